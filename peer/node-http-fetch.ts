// The engine's httpFetch in Node: global fetch, no cookies or credentials, optional Range.
import type { HttpFetch } from '../shared/fetch/types';

export const nodeHttpFetch: HttpFetch = async (url, init) => {
  const headers: Record<string, string> = {};
  if (init.range) headers.range = `bytes=${init.range[0]}-${init.range[1]}`;
  const res = await fetch(url, { headers, credentials: 'omit', redirect: 'follow', signal: init.signal });
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, body };
};
