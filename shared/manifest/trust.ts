/**
 * Whether to believe a manifest, and what to remember about its publisher's key. Pure: the caller stores pins.
 * The trust path (docs/manifest.md, "Keys"): the origin itself is the root of trust; a manifest fetched straight
 * from the origin pins its signing key (and announced next keys); a manifest relayed by a peer or a seed proxy is
 * believed only if signed by a pinned key, not expired, and not older (serial) than one already seen.
 */
import { ManifestError } from './errors';
import { checkSignature } from './signature';
import type { Manifest } from './types';

export interface KeyPin {
  origin: string;
  /** Keys a relayed manifest may be signed with: the current key and the announced next keys. */
  keys: string[];
  serial: number;
  pinnedAtMs: number;
}

export type ManifestSource = 'origin' | 'relay';

export interface TrustDecision {
  /** The pin to store from now on (null: forget any pin, the publisher stopped signing). */
  pin: KeyPin | null;
}

export function decideTrust(
  manifest: Manifest,
  opts: { source: ManifestSource; origin: string; pin?: KeyPin | null; nowMs: number },
): TrustDecision {
  if (manifest.origin !== opts.origin)
    throw new ManifestError('origin-mismatch', '/origin', `manifest is for ${manifest.origin}, expected ${opts.origin}`);
  if (manifest.signature) checkSignature(manifest);

  if (opts.source === 'origin') {
    // Straight from the origin: believed as the origin itself is; a signature re-pins (this is also how rotation
    // recovers from a lost key: the publisher serves a manifest signed with a new key from the origin).
    return { pin: manifest.signature ? pinFor(manifest, opts.nowMs) : null };
  }

  if (!manifest.signature) throw new ManifestError('untrusted-key', '/signature', 'a relayed manifest must be signed');
  const pin = opts.pin;
  if (!pin || pin.origin !== manifest.origin)
    throw new ManifestError('untrusted-key', '/signature/publicKey', `no key is pinned for ${manifest.origin}; fetch the manifest from the origin first`);
  if (!pin.keys.includes(manifest.signature.publicKey))
    throw new ManifestError('untrusted-key', '/signature/publicKey', 'signed with a key that is neither the pinned key nor an announced next key');
  if (manifest.expires && Date.parse(manifest.expires) <= opts.nowMs)
    throw new ManifestError('expired', '/expires', `expired at ${manifest.expires}`);
  if ((manifest.serial ?? 0) < pin.serial)
    throw new ManifestError('expired', '/serial', `serial ${manifest.serial ?? 0} is older than ${pin.serial}, already seen`);
  return { pin: pinFor(manifest, opts.nowMs) };
}

function pinFor(manifest: Manifest, nowMs: number): KeyPin {
  const keys = [manifest.signature!.publicKey, ...(manifest.nextKeys ?? [])];
  return { origin: manifest.origin, keys: [...new Set(keys)], serial: manifest.serial ?? 0, pinnedAtMs: nowMs };
}
