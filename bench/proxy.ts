// Cache-hit throughput of one Reef seed proxy vs nginx proxy_cache, both on loopback, same origin, same wrk load.
// nginx is configured equivalently: one worker process (the seed is one Node process), an on-disk proxy_cache
// on a temp dir, access log off, keep-alive to clients. Both caches are warmed first, so only hits are measured.
// Beside them, the ceiling for one Node process here: a bare node:http server answering the same bytes with the
// same header lines the seed sent, doing nothing else. CPU time per request is measured for all three (less
// sensitive than req/s to other load on the machine). Writes bench/results/proxy.md.
//
//   npx tsx bench/proxy.ts [--duration 8] [--connections 50] [--threads 1] [--runs 2]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryContentIndex } from '../tracker/content-index';
import { systemClock } from '../shared/clock';
import { startProxyServer } from '../seed-node/proxy/proxy';
import { median, table, writeResult } from './support';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const DURATION_S = Math.min(opt('duration', 8), 60);
const CONNECTIONS = Math.min(opt('connections', 50), 1000);
const THREADS = Math.min(opt('threads', 1), 4);
const RUNS = Math.min(opt('runs', 2), 5);
const ZONE = 'reef.bench';
const SIZES = [
  { name: '4 KiB', path: '/obj-4k', bytes: 4 * 1024 },
  { name: '1 MiB', path: '/obj-1m', bytes: 1024 * 1024 },
];

function need(cmd: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`${cmd} not found: apt-get install -y wrk nginx-light`);
    process.exit(2);
  }
}

function get(port: number, host: string, path: string): Promise<{ status: number; xcache: string; len: number; rawHeaders: string[] }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let len = 0;
      res.on('data', (b: Buffer) => (len += b.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, xcache: String(res.headers['x-cache'] ?? res.headers['x-cache-status'] ?? ''), len, rawHeaders: res.rawHeaders }));
    })
      .on('error', reject)
      .end();
  });
}

interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: number;
  requests: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (nginx's worker). */
function procCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Runs wrk and the CPU time `cpu()` reports for the server under load meanwhile, in µs per request. */
async function measure(cpu: () => number, port: number, host: string, path: string): Promise<WrkResult & { cpuUsPerReq: number }> {
  const before = cpu();
  const r = await wrk(port, host, path);
  return { ...r, cpuUsPerReq: ((cpu() - before) * 1e6) / r.requests };
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

/** Runs wrk asynchronously: the seed under test lives in this process, so the event loop must stay free. */
async function wrk(port: number, host: string, path: string, seconds = DURATION_S): Promise<WrkResult> {
  const child = spawn('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, `http://127.0.0.1:${port}${path}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), (DURATION_S + 30) * 1000);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`wrk failed: ${stderr}`);
  const r = { stdout };
  if (process.env.BENCH_DEBUG) console.log(r.stdout);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const p99 = /\s99%\s+(\S+)/.exec(r.stdout)?.[1] ?? '';
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  return { rps, p99Ms: toMs(p99), errors, requests };
}

function spread(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[0].toFixed(2)} / ${median(xs).toFixed(2)} / ${sorted[sorted.length - 1].toFixed(2)}×`;
}

/** A loopback port nothing listens on right now (asked of the kernel, so it cannot be the origin's or the seed's). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

async function main(): Promise<void> {
  need('wrk');
  need('nginx');
  const tmp = mkdtempSync(join(tmpdir(), 'reef-bench-proxy-'));
  const bodies = new Map(SIZES.map((s) => [s.path, Buffer.alloc(s.bytes, 0x61)]));
  const origin = createServer((req, res) => {
    const b = bodies.get(req.url ?? '');
    if (!b) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.length, 'cache-control': 'max-age=3600' }).end(b);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const originPort = (origin.address() as AddressInfo).port;

  const index = new MemoryContentIndex(systemClock);
  const seed = await startProxyServer({
    zone: ZONE,
    cacheDir: join(tmp, 'reef-cache'),
    cacheSizeBytes: 1024 * 1024 * 1024,
    index,
    self: { id: 'bench' },
    allowPrivateOrigins: true,
    allowHttpOrigins: true,
    // one load generator is one client address: lift the per-client and per-origin quotas for the bench
    limits: { clientRequestsPerSec: 1e9, clientRequestBurst: 1e9, clientBytesPerSec: 1e15, clientByteBurst: 1e15, originRequestsPerSec: 1e9, originRequestBurst: 1e9, originBytesPerSec: 1e15, originByteBurst: 1e15 },
    host: '127.0.0.1',
    port: 0,
  });

  const nginxPort = await freePort();
  const conf = join(tmp, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : '' /* as root, workers would otherwise run as nobody and fail to write the temp cache */}
daemon off;
pid ${tmp}/nginx.pid;
error_log ${tmp}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/ptemp; fastcgi_temp_path ${tmp}/f; uwsgi_temp_path ${tmp}/u; scgi_temp_path ${tmp}/s;
  proxy_cache_path ${tmp}/nginx-cache levels=1:2 keys_zone=reef:10m max_size=1g inactive=12h use_temp_path=off;
  keepalive_requests 100000;
  sendfile on;
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://127.0.0.1:${originPort};
      proxy_cache reef;
      proxy_cache_valid 200 12h;
      proxy_cache_lock on;
      proxy_http_version 1.1;
      add_header X-Cache $upstream_cache_status;
    }
  }
}
`,
  );
  const nginx: ChildProcess = spawn('nginx', ['-c', conf, '-p', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let i = 0; i < 100; i++) {
      if (await get(nginxPort, 'x', '/obj-4k').then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const reefHost = `localhost.${originPort}.${ZONE}`;
    const nginxWorker = Number(spawnSync('pgrep', ['-P', String(nginx.pid)]).stdout.toString().trim().split('\n')[0]);
    if (!nginxWorker) throw new Error('nginx worker process not found');
    const selfCpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    // The bare server: the header lines of the seed's own hit response (Node adds Connection/Keep-Alive itself).
    const bareLines = new Map<string, string[]>();
    const bare = createServer((req, res) => {
      const body = bodies.get(req.url ?? '')!;
      res.writeHead(200, bareLines.get(req.url ?? '')!);
      res.end(body);
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const barePort = (bare.address() as AddressInfo).port;
    for (const s of SIZES) {
      // warm both caches, then check that a request is a hit of the right length
      for (let i = 0; i < 3; i++) {
        await get(seed.port, reefHost, s.path);
        await get(nginxPort, 'origin', s.path);
      }
      const rc = await get(seed.port, reefHost, s.path);
      const nc = await get(nginxPort, 'origin', s.path);
      if (rc.xcache !== 'HIT' || nc.xcache !== 'HIT' || rc.len !== s.bytes || nc.len !== s.bytes) throw new Error(`warm-up failed: reef ${JSON.stringify(rc)} nginx ${JSON.stringify(nc)}`);
      const lines: string[] = [];
      for (let i = 0; i < rc.rawHeaders.length; i += 2) {
        const name = rc.rawHeaders[i].toLowerCase();
        if (name !== 'connection' && name !== 'keep-alive') lines.push(name, rc.rawHeaders[i + 1]);
      }
      bareLines.set(s.path, lines);
      // Unmeasured load first, so run 1 does not include the JIT warming up the Node servers' hot paths.
      for (const [port, host] of [[nginxPort, 'origin'], [seed.port, reefHost], [barePort, 'bare']] as const) await wrk(port, host, s.path, 2);
    }
    const rows: Array<Array<string | number>> = [];
    const ratios = new Map<string, { reef: number[]; bare: number[] }>(SIZES.map((s) => [s.name, { reef: [], bare: [] }]));
    const cpuRows: Array<Array<string | number>> = [];
    const loads: string[] = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const s of SIZES) {
        const n = await measure(() => procCpuSeconds(nginxWorker), nginxPort, 'origin', s.path);
        const r = await measure(selfCpu, seed.port, reefHost, s.path);
        const b = await measure(selfCpu, barePort, 'bare', s.path);
        console.log(
          `run ${run} ${s.name}: reef ${r.rps.toFixed(0)} req/s (${r.cpuUsPerReq.toFixed(1)} µs CPU/req) | bare Node ${b.rps.toFixed(0)} (${b.cpuUsPerReq.toFixed(1)}) | ` +
            `nginx ${n.rps.toFixed(0)} (${n.cpuUsPerReq.toFixed(1)}) | reef/nginx ${(r.rps / n.rps).toFixed(2)}x, bare/nginx ${(b.rps / n.rps).toFixed(2)}x`,
        );
        ratios.get(s.name)!.reef.push(r.rps / n.rps);
        ratios.get(s.name)!.bare.push(b.rps / n.rps);
        rows.push([run, s.name, r.rps.toFixed(0), b.rps.toFixed(0), n.rps.toFixed(0), `**${(r.rps / n.rps).toFixed(2)}×**`, `${(b.rps / n.rps).toFixed(2)}×`, `${(r.rps / b.rps).toFixed(2)}×`, r.p99Ms.toFixed(2), b.p99Ms.toFixed(2), n.p99Ms.toFixed(2), `${r.errors}/${b.errors}/${n.errors}`]);
        cpuRows.push([run, s.name, r.cpuUsPerReq.toFixed(1), b.cpuUsPerReq.toFixed(1), n.cpuUsPerReq.toFixed(1), `${(n.cpuUsPerReq / r.cpuUsPerReq).toFixed(2)}×`, `${(n.cpuUsPerReq / b.cpuUsPerReq).toFixed(2)}×`]);
      }
      loads.push(`run ${run}: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    }
    bare.close();
    const stats = seed.proxy.stats();
    const text =
      `# Proxy cache hits: Reef seed vs nginx proxy_cache\n\n` +
      `\`npx tsx bench/proxy.ts\` — wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION_S}s on loopback, ${new Date().toISOString().slice(0, 10)}, ` +
      `${(await import('node:os')).cpus().length} cores, Node ${process.version}, nginx one worker with an on-disk proxy_cache. ` +
      `"bare Node" is the ceiling for one Node process here: a node:http server that answers the same bytes with the same header lines ` +
      `the seed sent and does nothing else. Throughput ratio = req/s ÷ nginx req/s (goal ≥ 0.5× for Reef).\n\n` +
      table(['run', 'object', 'Reef req/s', 'bare Node req/s', 'nginx req/s', 'Reef ÷ nginx', 'bare Node ÷ nginx', 'Reef ÷ bare Node', 'Reef p99 ms', 'bare p99 ms', 'nginx p99 ms', 'errors reef/bare/nginx'], rows) +
      `\nOver the ${RUNS} runs (min / median / max of Reef ÷ nginx, and of bare Node ÷ nginx): ` +
      [...ratios].map(([name, x]) => `${name}: Reef ${spread(x.reef)}, bare Node ${spread(x.bare)}`).join('; ') +
      '.\n' +
      `\nCPU time per request of the serving process (user + system; nginx: its worker, from /proc), and nginx's ÷ the other's — ` +
      `the throughput ratio each would reach if CPU were the only limit:\n\n` +
      table(['run', 'object', 'Reef µs/req', 'bare Node µs/req', 'nginx µs/req', 'Reef vs nginx', 'bare Node vs nginx'], cpuRows) +
      `\nLoad average after each run: ${loads.join('; ')} — other work on the machine skews all sides; compare within one run only.\n` +
      `\nReef served ${stats.hits} hits and went to the origin ${stats.originFetches} times in this run. ` +
      `wrk, nginx and the seed share the machine's cores.\n`;
    writeResult(new URL('./results/proxy.md', import.meta.url).pathname, text);
  } finally {
    nginx.kill('SIGTERM');
    await new Promise((r) => nginx.once('exit', r));
    await seed.close();
    index.close();
    origin.closeAllConnections();
    origin.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
