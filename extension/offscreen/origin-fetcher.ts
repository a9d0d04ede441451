// Fetches a listed object straight from its origin and checks it against the manifest: the last source the fetch
// engine falls back to, and the whole fetcher while the engine is not wired in. No cookies: verified bytes are the
// same for everyone, so credentials would only leak the user's session into Reef's traffic.
import { verifyObject } from '../../shared/manifest';
import type { Source } from '../shared/messages';
import type { ObjectFetcher, ObjectRequest } from './pipeline';

export class UnverifiedError extends Error {
  readonly code = 'no-verified-source';
}

export const originFetcher: ObjectFetcher = {
  async fetchObject(req: ObjectRequest): Promise<{ bytes: Uint8Array; source: Source }> {
    const res = await fetch(req.originUrl, { credentials: 'omit', referrerPolicy: 'no-referrer' });
    if (!res.ok) throw new UnverifiedError(`origin answered ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!(await verifyObject(bytes, req.entry))) throw new UnverifiedError('origin bytes do not match the manifest');
    return { bytes, source: { peer: 0, seed: 0, origin: bytes.byteLength } };
  },
};
