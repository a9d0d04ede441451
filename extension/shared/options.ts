// User options: one DEFAULTS object, the type derived from it, and numbered migrations so a stored object from an
// older version is upgraded on read instead of being trusted as the current shape.
import browser from 'webextension-polyfill';

export const OPTIONS_VERSION = 2;

export const DEFAULTS = {
  version: OPTIONS_VERSION,
  /** Master switch: off means Reef neither fetches from nor serves to anyone. */
  enabled: true,
  /** Tracker WebSocket URLs (a seed hosts one at /.well-known/reef/tracker). */
  trackers: [] as string[],
  /** Seed base URLs that proxy objects by hash (`reef seed`); empty until one is configured. */
  seeds: [] as string[],
  /** Size bound of the IndexedDB cache; least recently used objects go first past it. */
  cacheQuotaBytes: 512 * 1024 * 1024,
  /** Upload caps when serving peers. */
  uploadBytesPerSec: 2 * 1024 * 1024,
  uploadBytesPerMonth: 10 * 1024 * 1024 * 1024,
  /** "Fetch but never serve": take from peers, never upload. */
  neverServe: false,
  /** Full mode: serve every listed type through chrome.debugger (needs the optional `debugger` permission). */
  fullMode: false,
  /** Origins (`scheme://host:port`) the user switched off in the popup. */
  disabledSites: [] as string[],
  /**
   * How long a fetch waits for peers (tracker lookup, connecting, the first verified chunk) before it turns to
   * the seed or the origin. Short keeps a page close to origin speed; tests on a loaded machine raise it.
   */
  peerWaitMs: 1_500,
  /** Testing switch: accept plain-http origins on 127.0.0.1/localhost (a real deployment is https only). */
  allowLoopbackHttp: false,
  /** How long a fetched manifest is believed, and how long "this site has no (valid) manifest" is remembered. */
  manifestTtlMs: 10 * 60 * 1000,
  negativeTtlMs: 30 * 60 * 1000,
};

export type Options = typeof DEFAULTS;

const STORAGE_KEY = 'options';

type Migration = (old: Record<string, unknown>) => Record<string, unknown>;
/** MIGRATIONS[n] upgrades a version-n object to version n+1. */
const MIGRATIONS: Record<number, Migration> = {
  // v1 had a single `tracker` string; v2 holds a list.
  1: ({ tracker, ...rest }) => ({ ...rest, trackers: typeof tracker === 'string' && tracker ? [tracker] : [], version: 2 }),
};

export function migrateOptions(stored: unknown): Options {
  if (typeof stored !== 'object' || stored === null) return structuredClone(DEFAULTS);
  let obj = { ...(stored as Record<string, unknown>) };
  let v = typeof obj.version === 'number' ? obj.version : 1;
  while (v < OPTIONS_VERSION) {
    const step = MIGRATIONS[v];
    obj = step ? step(obj) : { ...obj, version: v + 1 };
    v = obj.version as number;
  }
  // Keep only known keys with the default's type: a corrupt value falls back to the default.
  const out: Record<string, unknown> = structuredClone(DEFAULTS);
  for (const [key, def] of Object.entries(DEFAULTS)) {
    const val = obj[key];
    if (val === undefined) continue;
    if (Array.isArray(def) ? Array.isArray(val) && val.every((x) => typeof x === 'string') : typeof val === typeof def) out[key] = val;
  }
  out.version = OPTIONS_VERSION;
  return out as Options;
}

// Every intercepted object asks for the options: keep the last read in memory (storage stays the truth; any
// change, from whichever extension page, drops the copy). Callers get their own clone to mutate.
let memo: Promise<Options> | null = null;
// Attached when this module loads, before any listener of the importing context: a listener reacting to a
// change and reading the options must not be handed the copy from before it.
browser.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes[STORAGE_KEY]) memo = null;
});

export function loadOptions(): Promise<Options> {
  if (!memo) {
    const read = browser.storage.local.get(STORAGE_KEY).then((got) => migrateOptions(got[STORAGE_KEY]));
    memo = read;
    read.catch(() => memo === read && (memo = null));
  }
  return memo.then((o) => structuredClone(o));
}

export async function saveOptions(patch: Partial<Options>): Promise<Options> {
  const next = migrateOptions({ ...(await loadOptions()), ...patch, version: OPTIONS_VERSION });
  await browser.storage.local.set({ [STORAGE_KEY]: next });
  memo = Promise.resolve(next);
  return structuredClone(next);
}

export function onOptionsChanged(listener: (o: Options) => void): void {
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && changes[STORAGE_KEY]) listener(migrateOptions(changes[STORAGE_KEY].newValue));
  });
}

/** Whether a site's origin may take part at all given the transport rules (https, or loopback http when allowed). */
export function originAllowed(origin: string, opts: Options): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return opts.allowLoopbackHttp && url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]');
}
