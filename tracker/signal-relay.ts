// Cross-tracker signalling: a browser on tracker A signals a browser connected to tracker B.
// The tracker calls `relay`; the receiving side calls `Tracker.acceptRelayedSignal`. The seed node
// will implement SignalRelay with the Coral index's application RPCs; tests use the two below.
import type { SignalData, TrackerRef } from '../shared/tracker/protocol';

export interface RelayedSignal {
  from: string;
  fromTracker: TrackerRef;
  to: string;
  sid: string;
  data: SignalData;
}

export interface SignalRelay {
  /** Resolves true when the other tracker delivered the signal to a connected peer. */
  relay(toTracker: TrackerRef, message: RelayedSignal): Promise<boolean>;
}

/** What a tracker exposes to accept a relayed signal. */
export interface SignalSink {
  readonly self: TrackerRef;
  acceptRelayedSignal(message: RelayedSignal): boolean;
}

/** For a standalone tracker: there is nobody else to relay to. */
export const noRelay: SignalRelay = { relay: async () => false };

/** In-process relay between trackers in one process (unit tests, simulations). */
export class DirectSignalRelay implements SignalRelay {
  private readonly sinks = new Map<string, SignalSink>();
  register(sink: SignalSink): void {
    this.sinks.set(sink.self.id, sink);
  }
  unregister(sink: SignalSink): void {
    this.sinks.delete(sink.self.id);
  }
  async relay(toTracker: TrackerRef, message: RelayedSignal): Promise<boolean> {
    return this.sinks.get(toTracker.id)?.acceptRelayedSignal(message) ?? false;
  }
}
