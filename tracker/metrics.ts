// Counters as a plain object: the seed publishes them with prom-client, tests read them directly.
export function createTrackerMetrics() {
  return {
    sessionsOpened: 0,
    sessionsActive: 0,
    messagesIn: 0,
    bytesIn: 0,
    messagesOut: 0,
    /** Malformed frames by error code (bad-json, bad-message, ...). */
    malformed: {} as Record<string, number>,
    rateLimited: 0,
    tooLarge: 0,
    announces: 0,
    objectsAnnounced: 0,
    lookups: 0,
    withdraws: 0,
    heartbeats: 0,
    signalsLocal: 0,
    signalsRelayed: 0,
    signalsUnroutable: 0,
    relayedSignalsAccepted: 0,
    relayedSignalsDropped: 0,
    idleClosed: 0,
    abuseClosed: 0,
    indexFailures: 0,
  };
}

export type TrackerMetrics = ReturnType<typeof createTrackerMetrics>;
