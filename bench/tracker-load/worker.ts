// Load-generator process: holds its share of the clients and runs open-loop phases on command.
// argv: <impl reef|webtorrent> <url> <clients> <offset> <objects>
// stdin lines:  {"cmd":"phase","ratePerSec":n,"durationMs":n} | {"cmd":"exit"}
// stdout lines: {"ev":"connected","clients":n,"failed":n} | {"ev":"phase-done", ...}
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { Histogram } from './histogram';

const [impl, url, clientsArg, offsetArg, objectsArg] = process.argv.slice(2);
const nClients = Number(clientsArg);
const offset = Number(offsetArg);
const nObjects = Number(objectsArg);
const LOOKUP_PEERS = 5;
const OWN_OBJECTS = 20;

const digests = Array.from({ length: nObjects }, (_, i) => createHash('sha256').update(`object-${i}`).digest());
const sris = digests.map((d) => 'sha256-' + d.toString('base64'));
const infoHashes = digests.map((d) => d.toString('hex').slice(0, 20)); // 20-char strings, as the WS tracker wants

interface Client {
  ws: WebSocket;
  peer: string;
  /** Reef: send time by request id. WebTorrent: FIFO of send times (replies come in order). */
  byId: Map<number, number>;
  fifo: number[];
  nextId: number;
  started: Set<number>;
  /** The objects this browser holds: announces come from here, so its set stays bounded. */
  own: number[];
}

let hist = new Histogram();
let phaseStart = Infinity;
let received = 0;
let errors = 0;
let errorCodes: Record<string, number> = {};
let measuring = false;
/** Requests sent and not yet answered, across phases: a phase starts only once this drains. */
let outstanding = 0;
const rnd = (n: number) => Math.floor(Math.random() * n);
const emit = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

function onReply(c: Client, data: Buffer): void {
  const m = JSON.parse(data.toString()) as Record<string, unknown>;
  let sentAt: number | undefined;
  if (impl === 'reef') {
    if (m.type === 'signal' || m.type === 'welcome') return;
    if (m.type === 'error') {
      errors++;
      errorCodes[m.code as string] = (errorCodes[m.code as string] ?? 0) + 1;
    }
    sentAt = c.byId.get(m.id as number);
    c.byId.delete(m.id as number);
  } else {
    if ('offer' in m || 'answer' in m) return; // offers forwarded to us by other clients' lookups
    if ('failure reason' in m) errors++;
    sentAt = c.fifo.shift();
  }
  if (sentAt === undefined) return;
  outstanding--;
  if (measuring && sentAt >= phaseStart) {
    received++;
    hist.record(performance.now() - sentAt);
  }
}

/** One operation: announce an object (half the time) or look up an object's peers. */
function send(c: Client, announce: boolean, obj: number): void {
  const now = performance.now();
  outstanding++;
  if (impl === 'reef') {
    const id = c.nextId++;
    c.byId.set(id, now);
    c.ws.send(
      JSON.stringify(
        announce
          ? { type: 'announce', id, objects: [{ integrity: sris[obj] }] }
          : { type: 'lookup', id, integrity: sris[obj], max: LOOKUP_PEERS },
      ),
    );
  } else {
    c.fifo.push(now);
    const event = c.started.has(obj) ? 'update' : 'started';
    c.started.add(obj);
    // WebTorrent returns peers only by forwarding offers: numwant = offers.length.
    const offers = announce ? undefined : Array.from({ length: LOOKUP_PEERS }, (_, i) => ({ offer_id: `${now}-${i}`.slice(0, 20), offer: { type: 'offer', sdp: 'v=0' } }));
    c.ws.send(JSON.stringify({ action: 'announce', info_hash: infoHashes[obj], peer_id: c.peer, event, numwant: LOOKUP_PEERS, uploaded: 0, downloaded: 0, left: 0, offers }));
  }
}

function open(i: number): Promise<Client | null> {
  return new Promise((resolve) => {
    // A zero mask lets ws skip masking: the generator spends less CPU, which the tracker needs more.
    const ws = new WebSocket(url, { perMessageDeflate: false, generateMask: (mask: Buffer) => void mask.fill(0) });
    const peer = impl === 'reef' ? `bench-${String(offset + i).padStart(6, '0')}` : `-BN0001-${String(offset + i).padStart(12, '0')}`;
    const own = Array.from({ length: OWN_OBJECTS }, () => rnd(nObjects));
    const c: Client = { ws, peer, byId: new Map(), fifo: [], nextId: 1, started: new Set(), own };
    let pendingSetup = 3 + (impl === 'reef' ? 1 : 0);
    ws.on('message', (d: Buffer) => {
      if (pendingSetup > 0) {
        pendingSetup--;
        c.fifo.shift();
        if (pendingSetup === 0) {
          c.byId.clear();
          resolve(c);
        }
        return;
      }
      onReply(c, d);
    });
    ws.on('open', () => {
      if (impl === 'reef') ws.send(JSON.stringify({ type: 'hello', v: 1, peerId: peer, rtts: [{ seed: `seed-${i % 4}`, rttMs: 10 }] }));
      for (let k = 0; k < 3; k++) send(c, true, own[k]);
    });
    ws.on('error', () => resolve(null));
    ws.on('close', () => resolve(null));
  });
}

const clients: Client[] = [];
let failed = 0;
for (let i = 0; i < nClients; i += 250) {
  const batch = await Promise.all(Array.from({ length: Math.min(250, nClients - i) }, (_, k) => open(i + k)));
  for (const c of batch) c ? clients.push(c) : failed++;
}
for (const c of clients) c.ws.on('close', () => failed++);
outstanding = 0; // setup replies were consumed by open()
emit({ ev: 'connected', clients: clients.length, failed });

async function phase(ratePerSec: number, durationMs: number): Promise<void> {
  hist = new Histogram();
  received = 0;
  errors = 0;
  errorCodes = {};
  let sent = 0;
  let rr = 0;
  const t0 = performance.now();
  phaseStart = t0;
  measuring = true;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - t0;
      const due = Math.min(ratePerSec * (Math.min(elapsed, durationMs) / 1000)) - sent;
      for (let k = 0; k < due; k++) {
        const c = clients[rr++ % clients.length];
        if (c.ws.readyState !== WebSocket.OPEN) continue;
        const announce = sent % 2 === 0;
        send(c, announce, announce ? c.own[rnd(OWN_OBJECTS)] : rnd(nObjects));
        sent++;
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  // Give stragglers a moment; what has not come back by then is counted as lost.
  const deadline = performance.now() + 3_000;
  while (received < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  measuring = false;
  const elapsedMs = performance.now() - t0;
  // Let the backlog of an overloaded tracker drain so it cannot spill into the next phase.
  const drainUntil = performance.now() + 60_000;
  while (outstanding > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  emit({ ev: 'phase-done', sent, received, errors, errorCodes, elapsedMs, closed: failed, hist: hist.toJSON() });
}

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const cmd = JSON.parse(line) as { cmd: string; ratePerSec: number; durationMs: number };
  if (cmd.cmd === 'phase') await phase(cmd.ratePerSec, cmd.durationMs);
  else break;
}
for (const c of clients) c.ws.terminate();
process.exit(0);
