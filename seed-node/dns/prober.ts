// Feeds a LivenessTracker by probing each seed's HTTP port with a TCP connect (the proxy is the
// service an answer promises). The seed node may feed the tracker from index RPC replies instead.
import net from 'node:net';
import { systemClock, type Clock } from '../../shared/clock';
import type { SeedInfo } from './directory';
import type { LivenessTracker } from './liveness';

export interface LivenessProber {
  /** Probes every seed once now (also what the periodic tick does). */
  probeAll(): Promise<void>;
  stop(): void;
}

export type ProbeFn = (seed: SeedInfo, timeoutMs: number) => Promise<number>;

/** Resolves with the connect time in ms; rejects on refusal or timeout. */
export const tcpConnectProbe: ProbeFn = (seed, timeoutMs) =>
  new Promise((resolve, reject) => {
    const host = seed.ipv4 ?? seed.ipv6;
    if (!host) return reject(new Error('no address'));
    const t0 = performance.now();
    const sock = net.connect({ host, port: seed.httpPort });
    const done = (err?: Error) => {
      sock.destroy();
      if (err) reject(err);
      else resolve(performance.now() - t0);
    };
    sock.setTimeout(timeoutMs, () => done(new Error('probe timeout')));
    sock.once('connect', () => done());
    sock.once('error', (e) => done(e));
  });

export function startLivenessProber(opts: { seeds: () => SeedInfo[]; tracker: LivenessTracker; clock?: Clock; everyMs?: number; timeoutMs?: number; probe?: ProbeFn }): LivenessProber {
  const clock = opts.clock ?? systemClock;
  const everyMs = opts.everyMs ?? opts.tracker.opts.probeEveryMs;
  const timeoutMs = opts.timeoutMs ?? Math.max(100, Math.floor(everyMs * 0.8));
  const probe = opts.probe ?? tcpConnectProbe;
  let timer: unknown;
  let stopped = false;
  const probeAll = async () => {
    await Promise.all(
      opts.seeds().map((s) =>
        probe(s, timeoutMs).then(
          (rtt) => !stopped && opts.tracker.heard(s.id, rtt),
          () => !stopped && opts.tracker.failed(s.id),
        ),
      ),
    );
  };
  const tick = () => {
    if (stopped) return;
    void probeAll().finally(() => {
      if (!stopped) timer = clock.setTimeout(tick, everyMs);
    });
  };
  tick();
  return {
    probeAll,
    stop: () => {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
