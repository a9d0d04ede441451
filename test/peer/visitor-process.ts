// A visitor in its own process, so a test can end it the way a browser dies (SIGKILL: no withdraw, no
// goodbye on any data channel) or freeze it (SIGSTOP: its sockets stay open, so the tracker still lists
// it, but it answers nothing). Fetches every object it is given, prints one JSON line, then idles.
//   node --import tsx test/peer/visitor-process.ts <trackerUrl> <originUrl> <json [{path, entry}]>
import { createNodePeer } from '../../peer/node-peer';

const [trackerUrl, originUrl, objectsJson] = process.argv.slice(2);
const objects: { path: string; entry: Parameters<import('../../shared/fetch/engine').FetchEngine['fetchObject']>[0]['entry'] }[] = JSON.parse(objectsJson);
const p = await createNodePeer({ trackerUrl, bindAddress: '127.0.0.1' });
if (!(await p.engine.whenTrackerReady(5_000))) throw new Error('visitor did not reach the tracker');
const results = await Promise.all(
  objects.map((o) => p.engine.fetchObject({ site: 'https://site.example', path: o.path, entry: o.entry, originUrl: originUrl + o.path })),
);
const sum = (k: 'peer' | 'origin') => results.reduce((n, r) => n + r.source[k], 0);
console.log(JSON.stringify({ peerId: p.engine.peerId, peer: sum('peer'), origin: sum('origin') }));
setInterval(() => {}, 60_000);
