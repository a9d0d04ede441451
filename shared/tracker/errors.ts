// Stable error codes of the tracker protocol. Clients branch on these strings; never rename one.
export const TRACKER_ERRORS = {
  badEncoding: 'bad-encoding', // frame is not UTF-8
  badJson: 'bad-json', // frame is not JSON
  badMessage: 'bad-message', // JSON does not match the message's schema
  unknownType: 'unknown-type',
  unsupportedVersion: 'unsupported-version',
  tooLarge: 'too-large',
  rateLimited: 'rate-limited',
  noHello: 'no-hello', // any message before hello
  alreadyHello: 'already-hello',
  peerIdTaken: 'peer-id-taken',
  tooManyObjects: 'too-many-objects',
  peerUnreachable: 'peer-unreachable',
  selfSignal: 'self-signal',
  indexFailure: 'index-failure',
} as const;

export type TrackerErrorCode = (typeof TRACKER_ERRORS)[keyof typeof TRACKER_ERRORS];

/** WebSocket close codes and reasons the tracker uses when it ends a session. */
export const TRACKER_CLOSE = {
  normal: { code: 1000, reason: 'bye' },
  idle: { code: 4000, reason: 'idle-timeout' },
  abuse: { code: 4001, reason: 'abuse' },
  replaced: { code: 4002, reason: 'shutting-down' },
} as const;
