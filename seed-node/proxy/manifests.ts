// Each origin's /.well-known/reef.json, remembered for a minute (its absence too), fetched once at a time.
import { MANIFEST_LIMITS, MANIFEST_WELL_KNOWN_PATH, parseManifest, type Manifest } from '../../shared/manifest';
import type { Clock } from '../../shared/clock';
import type { ProxyLogger } from './log';

/** Fetches a path from the origin: status and body, or null if the origin could not be reached. */
export type FetchFromOrigin = (path: string, maxBytes: number) => Promise<{ status: number; body: Buffer } | null>;

interface Remembered {
  manifest: Manifest | null;
  until: number;
}

export class ManifestCache {
  private readonly known = new Map<string, Remembered>();
  private readonly loading = new Map<string, Promise<Manifest | null>>();
  invalid = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly log: ProxyLogger,
    private readonly maxOrigins = 10_000,
  ) {}

  /** The manifest `origin` publishes for itself, or null (none, unreachable, or invalid). */
  get(origin: string, fetch: FetchFromOrigin): Promise<Manifest | null> {
    const k = this.known.get(origin);
    if (k && k.until > this.clock.now()) return Promise.resolve(k.manifest);
    let p = this.loading.get(origin);
    if (!p) {
      p = this.load(origin, fetch).finally(() => this.loading.delete(origin));
      this.loading.set(origin, p);
    }
    return p;
  }

  private async load(origin: string, fetch: FetchFromOrigin): Promise<Manifest | null> {
    const r = await fetch(MANIFEST_WELL_KNOWN_PATH, MANIFEST_LIMITS.maxBytes).catch(() => null);
    let manifest: Manifest | null = null;
    if (r && r.status === 200) {
      try {
        manifest = parseManifest(r.body);
        if (manifest.origin !== origin) throw new Error(`manifest is for ${manifest.origin}`);
      } catch (err) {
        manifest = null;
        this.invalid++;
        this.log.warn({ origin, err: (err as Error).message }, 'origin manifest refused; serving unverified');
      }
    }
    // An unreachable origin is asked again on the next miss rather than remembered as "no manifest".
    if (r) {
      if (this.known.size >= this.maxOrigins) this.known.delete(this.known.keys().next().value!);
      this.known.set(origin, { manifest, until: this.clock.now() + this.ttlMs });
    }
    return manifest;
  }
}
