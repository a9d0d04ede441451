// Queries per second of one Reef DNS server (one Node thread) against Knot DNS serving an equivalent
// static zone, both measured by dnsperf in the same run on 127.0.0.1. Prints the ratio (goal ≥ 0.3×)
// and writes bench/results/dns.md. Knot is started here with a config in a temp dir and stopped.
//   npx tsx bench/dns.ts [--seconds 10] [--rounds 3] [--clients 4]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../shared/clock';
import type { SeedInfo } from '../seed-node/dns/directory';
import { DNS_DEFAULTS } from '../seed-node/dns/defaults';
import { LivenessTracker } from '../seed-node/dns/liveness';
import { startDnsServer } from '../seed-node/dns/server';
import { StaticSeedDirectory } from '../seed-node/dns/static-directory';
import { median, mulberry32, table, writeResult } from './support';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 10);
const CLIENTS = arg('clients', 4);
const ROUNDS = arg('rounds', 3);
const ZONE = 'reef.localhost';
const NAMES = 10_000;
const PROXIES = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];

interface PerfResult {
  qps: number;
  /** Server CPU (user + system) per completed query, µs: less sensitive to other load than qps. */
  cpuUsPerQuery?: number;
  sent: number;
  completed: number;
  lostPct: number;
  avgLatencyMs: number;
  rcodes: string;
}

function runDnsperf(port: number, dataFile: string): Promise<PerfResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', dataFile, '-l', String(SECONDS), '-c', String(CLIENTS), '-T', '1', '-q', '200', '-t', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
      if (code !== 0) return reject(new Error(`dnsperf exited ${code}: ${out.slice(-500)}`));
      resolve({
        qps: num(/Queries per second:\s+([\d.]+)/),
        sent: num(/Queries sent:\s+(\d+)/),
        completed: num(/Queries completed:\s+(\d+)/),
        lostPct: num(/Queries lost:\s+\d+ \(([\d.]+)%\)/),
        avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
        rcodes: /Response codes:\s+(.*)/.exec(out)?.[1] ?? '',
      });
    });
  });
}

/** CPU seconds (user + system, all threads) a child process has used so far, from /proc. */
function childCpuSec(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), here 12 and 13 after "pid (comm) "; in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** dnsperf against `port`, with the server's CPU time over the run (`cpuSec` reads it). */
async function measure(port: number, dataFile: string, cpuSec: () => number): Promise<PerfResult> {
  const c0 = cpuSec();
  const r = await runDnsperf(port, dataFile);
  return { ...r, cpuUsPerQuery: ((cpuSec() - c0) * 1e6) / r.completed };
}

const ownCpuSec = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The static equivalent of what Reef synthesizes: a wildcard with 4 proxy addresses, TTL 30. */
function knotZone(): string {
  return [
    `$ORIGIN ${ZONE}.`,
    '$TTL 30',
    '@ SOA ns-seed1 hostmaster 1 300 60 86400 30',
    '@ 60 NS ns-seed1',
    'ns-seed1 60 A 127.0.0.11',
    ...PROXIES.map((ip) => `* A ${ip}`),
    '',
  ].join('\n');
}

async function startKnot(dir: string, port: number, udpWorkers: number): Promise<ChildProcess> {
  writeFileSync(join(dir, `${ZONE}.zone`), knotZone());
  writeFileSync(
    join(dir, 'knot.conf'),
    [
      'server:',
      `    rundir: "${dir}"`,
      `    listen: 127.0.0.1@${port}`,
      `    udp-workers: ${udpWorkers}`,
      '    tcp-workers: 1',
      '    background-workers: 1',
      'log:',
      '  - target: stderr',
      '    any: warning',
      'database:',
      `    storage: "${dir}/db"`,
      'template:',
      '  - id: default',
      `    storage: "${dir}"`,
      'zone:',
      `  - domain: ${ZONE}`,
      `    file: "${ZONE}.zone"`,
      '',
    ].join('\n'),
  );
  const p = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Ready when it answers over TCP on its port.
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  p.kill('SIGKILL');
  throw new Error('knotd did not start');
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  await new Promise<void>((r) => {
    p.once('exit', () => r());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5_000).unref();
  });
}

/** The ceiling for any Node UDP server here: a dgram echo doing no DNS work (flips QR and sends back). */
async function startNodeEcho(port: number): Promise<ChildProcess> {
  const code = `const s=require('dgram').createSocket({type:'udp4',lookup:(a,o,cb)=>cb(null,a,4)});s.on('message',(m,r)=>{m[2]|=0x80;s.send(m,r.port,r.address)});s.bind(${port},'127.0.0.1',()=>console.log('up'))`;
  const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    p.stdout!.once('data', () => resolve());
    p.once('exit', (c) => reject(new Error(`echo exited ${c}`)));
  });
  return p;
}

async function main() {
  const loadAtStart = (await import('node:os')).loadavg()[0];
  const dir = mkdtempSync(join(tmpdir(), 'reef-dns-bench-'));
  const rnd = mulberry32(1);
  const names = Array.from({ length: NAMES }, (_, i) => `o${i}-${Math.floor(rnd() * 1e6)}.example.com.${ZONE} A`);
  const dataFile = join(dir, 'queries.txt');
  writeFileSync(dataFile, names.join('\n') + '\n');

  // Reef: one seed hosting the DNS server; 8 seeds in its directory, liveness refreshed as probes would.
  const seeds: SeedInfo[] = Array.from({ length: 8 }, (_, i) => ({ id: `seed${i + 1}`, ipv4: `127.0.0.${11 + i}`, httpPort: 8080, dnsPort: 53, lastSeenMs: 0, clusters: {} }));
  const tracker = new LivenessTracker(systemClock);
  const heartbeat = () => seeds.forEach((s, i) => tracker.heard(s.id, 1 + i));
  heartbeat();
  const beat = setInterval(heartbeat, 2_000);
  const directory = new StaticSeedDirectory({ self: seeds[0], seeds, liveness: tracker });
  // dnsperf is one source address: the per-source rate limit would (rightly) throttle it, so lift it.
  const reef = await startDnsServer({ host: '127.0.0.1', port: 0, zone: ZONE, directory, limits: { rrlResponsesPerSec: 1e9, rrlBurst: 1e9 } });
  const knotDir = mkdtempSync(join(dir, 'knot1-'));
  const knotPort = await freePort();
  const knot = await startKnot(knotDir, knotPort, 1);
  const echoPort = await freePort();
  const echo = await startNodeEcho(echoPort);
  const echoRatios: number[] = [];
  const rows: Array<Array<string | number>> = [];
  const row = (label: string, r: PerfResult) => rows.push([label, Math.round(r.qps), r.cpuUsPerQuery?.toFixed(1) ?? '', r.completed, `${r.lostPct}%`, r.avgLatencyMs.toFixed(2), r.rcodes]);
  const ratios: number[] = [];
  const hitShares: number[] = [];
  let knot2: PerfResult;
  process.stdout.write(`dnsperf ${SECONDS}s × ${ROUNDS} rounds, ${CLIENTS} clients, ${NAMES} distinct names\n`);
  try {
    // Interleaved rounds, so a burst of load from elsewhere on the machine hits both servers alike.
    for (let round = 1; round <= ROUNDS; round++) {
      const before = reef.stats();
      const r = await measure(reef.udpPort, dataFile, ownCpuSec);
      const after = reef.stats();
      const hits = after.answerCacheHits - before.answerCacheHits;
      hitShares.push(hits / (hits + after.answerCacheMisses - before.answerCacheMisses));
      const k = await measure(knotPort, dataFile, () => childCpuSec(knot.pid!));
      const e = await measure(echoPort, dataFile, () => childCpuSec(echo.pid!));
      row(`round ${round}: Reef DNS (1 Node thread)`, r);
      row(`round ${round}: Knot DNS 3 (1 UDP worker)`, k);
      row(`round ${round}: Node dgram echo, no DNS work (ceiling)`, e);
      ratios.push(r.qps / k.qps);
      echoRatios.push(r.qps / e.qps);
      process.stdout.write(`round ${round}: reef ${Math.round(r.qps)} qps, knot ${Math.round(k.qps)} qps, echo ${Math.round(e.qps)} qps, ratio ${(r.qps / k.qps).toFixed(2)}×\n`);
    }
    // The miss path alone: a one-entry answer cache, so each of the 10,000 names is answered afresh.
    const cold = await startDnsServer({ host: '127.0.0.1', port: 0, zone: ZONE, directory, limits: { rrlResponsesPerSec: 1e9, rrlBurst: 1e9, answerCacheEntries: 1 } });
    try {
      row('Reef DNS, every query an answer-cache miss (not in the ratio)', await measure(cold.udpPort, dataFile, ownCpuSec));
    } finally {
      await cold.close();
    }
  } finally {
    clearInterval(beat);
    await reef.close();
    await stop(knot);
    await stop(echo);
  }
  const knot2Dir = mkdtempSync(join(dir, 'knot2-'));
  const port2 = await freePort();
  const k2 = await startKnot(knot2Dir, port2, 2);
  try {
    knot2 = await measure(port2, dataFile, () => childCpuSec(k2.pid!));
    row('Knot DNS 3 (2 UDP workers)', knot2);
  } finally {
    await stop(k2);
  }
  rmSync(dir, { recursive: true, force: true });
  const ratio = median(ratios);
  process.stdout.write(`median ratio Reef/Knot(1 worker) = ${ratio.toFixed(2)}× (goal ≥ 0.3×); Knot with 2 workers: ${Math.round(knot2.qps)} qps\n`);
  writeResult(
    'bench/results/dns.md',
    `# DNS: Reef authoritative server vs Knot DNS (dnsperf)\n\n` +
      `dnsperf ${SECONDS} s per run, ${ROUNDS} interleaved rounds, ${CLIENTS} clients, up to 200 outstanding, UDP on 127.0.0.1, ${NAMES} distinct \`A\` names under \`${ZONE}\`; ` +
      `${await cpuLine()}, load average ${loadAtStart.toFixed(1)} at the start and ${(await import('node:os')).loadavg()[0].toFixed(1)} at the end (the machine is shared). ` +
      `Reef answers 4 of 8 live proxies (shuffled, near-enough set); Knot serves a static wildcard with the same 4 A records.` +
      ` The Reef per-source rate limit is lifted for the run (dnsperf is one source address).` +
      ` Reef keeps encoded answers per (question, resolver locality) for up to ${DNS_DEFAULTS.answerCacheMs / 1000} s, ${DNS_DEFAULTS.answerCacheRotations} rotations each` +
      ` (like Knot, which also answers from prepared data); share of Reef queries answered from that cache per round: ${hitShares.map((h) => `${(100 * h).toFixed(0)}%`).join(', ')}.` +
      ` Server CPU is user + system time of the server process over the run (Reef: the bench process, which hosts it) per completed query.\n\n` +
      table(['run', 'queries/s', 'server CPU µs/query', 'completed', 'lost', 'avg latency ms', 'rcodes'], rows) +
      `\n**Median ratio Reef / Knot (1 UDP worker, one core each): ${ratio.toFixed(2)}×** (per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}). Goal ≥ 0.3×.\n` +
      `\nReef / Node dgram echo (the same process model doing no DNS work at all): ${median(echoRatios).toFixed(2)}× — the rest of the gap to Knot is Node's one-syscall-per-datagram UDP path (no recvmmsg/sendmmsg).\n`,
  );
}

async function cpuLine(): Promise<string> {
  const os = await import('node:os');
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
