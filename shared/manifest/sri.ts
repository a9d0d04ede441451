// Subresource Integrity strings, restricted to what Reef accepts: one sha256 hash, no options.
import { base64 } from '@scure/base';

/** `sha256-` and the padded base64 of a 32-byte digest: the only integrity form Reef accepts. */
export const SRI_SHA256 = /^sha256-([A-Za-z0-9+/]{43}=)$/;

export function formatSri(digest: Uint8Array): string {
  if (digest.length !== 32) throw new Error(`a sha256 digest is 32 bytes, got ${digest.length}`);
  return 'sha256-' + base64.encode(digest);
}

/** Why the string is not a Reef SRI value, or null if it is one. */
export function sriProblem(value: unknown): { code: 'bad-integrity' | 'unsupported-hash'; detail: string } | null {
  if (typeof value !== 'string') return { code: 'bad-integrity', detail: 'expected a string like "sha256-<base64>"' };
  const m = SRI_SHA256.exec(value);
  if (m) {
    try {
      if (base64.decode(m[1]).length === 32) return null;
    } catch {
      /* fall through: non-canonical base64 padding bits */
    }
    return { code: 'bad-integrity', detail: `"${clip(value)}" is not the base64 of a 32-byte digest` };
  }
  const alg = /^([a-z0-9]+)-/i.exec(value)?.[1];
  if (alg && alg.toLowerCase() !== 'sha256')
    return { code: 'unsupported-hash', detail: `hash algorithm "${alg}" is not supported; Reef manifests use sha256` };
  return { code: 'bad-integrity', detail: `"${clip(value)}" is not "sha256-" followed by 44 base64 characters` };
}

export function parseSri(value: string): Uint8Array {
  const problem = sriProblem(value);
  if (problem) throw new Error(problem.detail);
  return base64.decode(value.slice(7));
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
