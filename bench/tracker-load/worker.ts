// Load-generator process: holds its share of the clients and runs open-loop phases on command.
// argv: <impl reef|webtorrent> <url> <clients> <offset> <objects>
// stdin lines:  {"cmd":"phase","ratePerSec":n,"durationMs":n,"leadInMs":n} | {"cmd":"warm","ratePerSec":n} | {"cmd":"exit"}
// stdout lines: {"ev":"connected","clients":n,"failed":n} | {"ev":"phase-done", ...} | {"ev":"warm-done", ...}
// Requests are pre-built strings sent over raw-ws.ts sockets, and replies are matched by scanning
// their bytes for the request id, not parsed: the generator's CPU is CPU the tracker does not get.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Histogram } from './histogram';
import { LoopMonitor } from './loop-monitor';
import { RawWs } from './raw-ws';

const [impl, url, clientsArg, offsetArg, objectsArg] = process.argv.slice(2);
const reef = impl === 'reef';
const nClients = Number(clientsArg);
const offset = Number(offsetArg);
const nObjects = Number(objectsArg);
const LOOKUP_PEERS = 5;
const OWN_OBJECTS = 20;

const digests = Array.from({ length: nObjects }, (_, i) => createHash('sha256').update(`object-${i}`).digest());
const sris = digests.map((d) => 'sha256-' + d.toString('base64'));
const infoHashes = digests.map((d) => d.toString('hex').slice(0, 20)); // 20-char strings, as the WS tracker wants
// The constant tail of each request after its id (Reef) or its peer id (WebTorrent).
const reefAnnounceTail = sris.map((s) => `,"objects":[{"integrity":"${s}"}]}`);
const reefLookupTail = sris.map((s) => `,"integrity":"${s}","max":${LOOKUP_PEERS}}`);
const wtTail = `,"numwant":${LOOKUP_PEERS},"uploaded":0,"downloaded":0,"left":0`;

interface Client {
  ws: RawWs;
  peer: string;
  /** WebTorrent: FIFO of send times (it answers a socket's requests in order, with no id). */
  fifo: number[];
  started: Set<number>;
  /** The objects this browser holds: announces come from here, so its set stays bounded. */
  own: number[];
  /** Replies still owed before the client counts as set up (welcome and the first announces). */
  setup: number;
  onReady: ((ok: boolean) => void) | null;
}

let hist = new Histogram();
let phaseStart = Infinity;
let received = 0;
let errors = 0;
let errorCodes: Record<string, number> = {};
let measuring = false;
/** Requests sent and not yet answered, across phases: a phase starts only once this drains. */
let outstanding = 0;
let closedAfterSetup = 0;
const rnd = (n: number) => Math.floor(Math.random() * n);
const emit = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

// Reef: request ids are unique in this process, and send times live in a ring indexed by id.
const RING = 1 << 20;
const sentAtById = new Float64Array(RING).fill(NaN);
let nextId = 1;

const ID_KEY = Buffer.from('"id":');
const TYPE_KEY = Buffer.from('"type":"');
const INTERVAL_KEY = Buffer.from('"interval"');
const FAILURE_KEY = Buffer.from('"failure reason"');

function recordReply(sentAt: number): void {
  outstanding--;
  if (measuring && sentAt >= phaseStart) {
    received++;
    hist.record(performance.now() - sentAt);
  }
}

function onText(c: Client, buf: Buffer, start: number, end: number): void {
  const m = buf.subarray(start, end);
  let sentAt: number;
  if (reef) {
    // The top-level numeric "id" (a tracker ref's "id" is a hex string); welcome and signal have none.
    let at = m.indexOf(ID_KEY);
    while (at >= 0 && !(m[at + 5] >= 0x30 && m[at + 5] <= 0x39)) at = m.indexOf(ID_KEY, at + 5);
    if (c.setup > 0) return setupReply(c);
    if (at < 0) return;
    let id = 0;
    for (let i = at + 5; m[i] >= 0x30 && m[i] <= 0x39; i++) id = id * 10 + m[i] - 0x30;
    sentAt = sentAtById[id & (RING - 1)];
    sentAtById[id & (RING - 1)] = NaN;
    if (Number.isNaN(sentAt)) return;
    if (m[m.indexOf(TYPE_KEY) + TYPE_KEY.length] === 0x65 /* e: "error" */) {
      errors++;
      const code = String((JSON.parse(m.toString()) as { code?: string }).code);
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    }
  } else {
    // Replies carry "interval" or "failure reason"; anything else is an offer forwarded to us.
    if (m.indexOf(INTERVAL_KEY) < 0) {
      if (m.indexOf(FAILURE_KEY) < 0) return;
      errors++;
    }
    if (c.setup > 0) return setupReply(c);
    const t = c.fifo.shift();
    if (t === undefined) return;
    sentAt = t;
  }
  recordReply(sentAt);
}

function setupReply(c: Client): void {
  if (--c.setup === 0) {
    c.fifo.length = 0;
    c.onReady?.(true);
    c.onReady = null;
  }
}

/** One operation: announce an object (half the time) or look up an object's peers. */
function send(c: Client, announce: boolean, obj: number): void {
  const now = performance.now();
  outstanding++;
  if (reef) {
    const id = nextId++;
    sentAtById[id & (RING - 1)] = now;
    c.ws.send(announce ? `{"type":"announce","id":${id}${reefAnnounceTail[obj]}` : `{"type":"lookup","id":${id}${reefLookupTail[obj]}`);
  } else {
    c.fifo.push(now);
    const event = c.started.has(obj) ? 'update' : 'started';
    c.started.add(obj);
    // WebTorrent returns peers only by forwarding offers: numwant = offers.length.
    let offers = '';
    if (!announce) {
      const base = String(nextId++).padStart(12, '0');
      for (let i = 0; i < LOOKUP_PEERS; i++) offers += `${i ? ',' : ''}{"offer_id":"${base}-off${i}","offer":{"type":"offer","sdp":"v=0"}}`;
      offers = `,"offers":[${offers}]`;
    }
    c.ws.send(`{"action":"announce","info_hash":"${infoHashes[obj]}","peer_id":"${c.peer}","event":"${event}"${wtTail}${offers}}`);
  }
}

function open(i: number): Promise<Client | null> {
  return new Promise((resolve) => {
    const peer = reef ? `bench-${String(offset + i).padStart(6, '0')}` : `-BN0001-${String(offset + i).padStart(12, '0')}`;
    const own = Array.from({ length: OWN_OBJECTS }, () => rnd(nObjects));
    const c: Client = {
      ws: null as unknown as RawWs,
      peer, fifo: [], started: new Set(), own,
      setup: 3 + (reef ? 1 : 0),
      onReady: (ok) => resolve(ok ? c : null),
    };
    c.ws = new RawWs(
      new URL(url),
      (buf, start, end) => onText(c, buf, start, end),
      () => {
        if (reef) c.ws.send(JSON.stringify({ type: 'hello', v: 1, peerId: peer, rtts: [{ seed: `seed-${i % 4}`, rttMs: 10 }] }));
        for (let k = 0; k < 3; k++) send(c, true, own[k]);
      },
      () => {
        if (c.onReady) c.onReady(false);
        else closedAfterSetup++;
        c.onReady = null;
      },
    );
  });
}

const monitor = process.env.REEF_LOOP_STATS === '1' ? new LoopMonitor() : null;
monitor?.start();

const clients: Client[] = [];
let failed = 0;
for (let i = 0; i < nClients; i += 250) {
  const batch = await Promise.all(Array.from({ length: Math.min(250, nClients - i) }, (_, k) => open(i + k)));
  for (const c of batch) c ? clients.push(c) : failed++;
}
outstanding = 0; // setup replies were consumed by open()
emit({ ev: 'connected', clients: clients.length, failed });

/**
 * Open loop at ratePerSec: first leadInMs unmeasured (the tracker may have idled, and V8 may have
 * reclaimed memory and code meanwhile, between steps), then durationMs measured.
 */
async function phase(ratePerSec: number, durationMs: number, leadInMs: number): Promise<void> {
  hist = new Histogram();
  received = 0;
  errors = 0;
  errorCodes = {};
  let sent = 0;
  let leadSent = 0;
  let rr = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let t0 = start + leadInMs;
  const nominal = (ratePerSec * 5) / 1000;
  phaseStart = leadInMs > 0 ? Infinity : t0; // set when the first measured request goes out
  measuring = true;
  let windowStarted = false;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const measured = elapsed >= leadInMs;
      if (measured && !windowStarted) {
        windowStarted = true;
        phaseStart = t0 = performance.now();
        monitor?.report(); // the loop-stats window starts with the measured part
      }
      const due = Math.min(ratePerSec * (Math.min(elapsed, leadInMs + durationMs) / 1000)) - sent - leadSent;
      if (monitor && due > 2 * nominal) monitor.note(`batch ${Math.round(due)}`);
      for (let k = 0; k < due; k++) {
        const c = clients[rr++ % clients.length];
        if (!c.ws.open) continue;
        const announce = (sent + leadSent) % 2 === 0;
        send(c, announce, announce ? c.own[rnd(OWN_OBJECTS)] : rnd(nObjects));
        if (measured) sent++;
        else leadSent++;
      }
      if (elapsed >= leadInMs + durationMs) {
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
  const loop = monitor?.report();
  // Let the backlog of an overloaded tracker drain so it cannot spill into the next phase.
  const drainUntil = performance.now() + 60_000;
  while (outstanding > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  const cpu = process.cpuUsage(cpu0);
  emit({ ev: 'phase-done', sent, leadSent, received, errors, errorCodes, elapsedMs, cpuUs: cpu.user + cpu.system, closed: closedAfterSetup, hist: hist.toJSON(), loop });
}

/**
 * Unmeasured: every client announces each object it holds, paced at ratePerSec, then the replies
 * drain. Afterwards the tracker holds its steady-state set (10,000 browsers x 20 objects) and the
 * phases' announces are re-announces, as from browsers that have been connected a while.
 */
async function warm(ratePerSec: number): Promise<void> {
  const t0 = performance.now();
  const todo: Array<[Client, number]> = [];
  for (const c of clients) for (const obj of new Set(c.own)) todo.push([c, obj]);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(todo.length, Math.floor((ratePerSec * (performance.now() - t0)) / 1000));
      for (; sent < due; sent++) if (todo[sent][0].ws.open) send(todo[sent][0], true, todo[sent][1]);
      if (sent >= todo.length) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const drainUntil = performance.now() + 60_000;
  while (outstanding > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  emit({ ev: 'warm-done', sent, elapsedMs: performance.now() - t0, outstanding });
}

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const cmd = JSON.parse(line) as { cmd: string; ratePerSec: number; durationMs: number; leadInMs?: number };
  if (cmd.cmd === 'phase') await phase(cmd.ratePerSec, cmd.durationMs, cmd.leadInMs ?? 0);
  else if (cmd.cmd === 'warm') await warm(cmd.ratePerSec);
  else break;
}
for (const c of clients) c.ws.destroy();
process.exit(0);
