// Cache-hit throughput of one Reef seed proxy vs nginx proxy_cache, both on loopback, same origin, same wrk load.
// nginx is configured equivalently: one worker process (the seed is one Node process), an on-disk proxy_cache
// on a temp dir, access log off, keep-alive to clients. Both caches are warmed first, so only hits are measured.
// The seed proxy runs in its own process (bench/proxy-seed.ts) on the V8 flags bin/reef.js's shebang gives
// `reef seed`. Beside them, the ceiling for one Node process here: a bare node:http server answering the same
// bytes with the same header lines the seed sent, doing nothing else, in its own process on default Node flags
// (and once more with the seed's flags). CPU time per request is measured for all, from /proc (less sensitive
// than req/s to other load on the machine). With two or more cores every server runs pinned to
// CPU 0 and wrk to CPU 1 (--no-pin to let the scheduler place them). Writes bench/results/proxy.md.
//
//   npx tsx bench/proxy.ts [--duration 8] [--connections 50] [--threads 1] [--runs 2] [--no-pin]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, reefCliNodeFlags, table, writeResult } from './support';

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
const PIN = !args.includes('--no-pin') && cpus().length >= 2;
/** CPU for the servers (the seed, nginx, the bare servers: children inherit this process's) and for wrk. */
const SERVER_CPU = '0';
const WRK_CPU = '1';
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

/** CPU seconds (user + system) a process has used so far, from /proc. */
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

/** Runs wrk (its output parsed once it ends). */
async function wrk(port: number, host: string, path: string, seconds = DURATION_S): Promise<WrkResult> {
  const cmd = PIN ? ['taskset', '-c', WRK_CPU, 'wrk'] : ['wrk'];
  const child = spawn(cmd[0], [...cmd.slice(1), `-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, `http://127.0.0.1:${port}${path}`], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The lines a child writes to stdout, one at a time. */
function lines(child: ChildProcess): { next(): Promise<string> } {
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  return { next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))) };
}

/** A bare node:http server in a child process on the given Node flags, answering each path with its header lines. */
async function startBare(flags: string[], objects: Array<{ path: string; bytes: number; lines: string[] }>): Promise<{ port: number; child: ChildProcess }> {
  const script = `const objects = JSON.parse(process.env.BARE_OBJECTS);
const bodies = new Map(objects.map((o) => [o.path, Buffer.alloc(o.bytes, 0x61)]));
const lines = new Map(objects.map((o) => [o.path, o.lines]));
const server = require('node:http').createServer((req, res) => {
  res.writeHead(200, lines.get(req.url));
  res.end(bodies.get(req.url));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
  const child = spawn(process.execPath, [...flags, '-e', script], { env: { ...process.env, NODE_OPTIONS: '', BARE_OBJECTS: JSON.stringify(objects) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return { port, child };
}

async function main(): Promise<void> {
  need('wrk');
  need('nginx');
  if (PIN) need('taskset');
  const seedFlags = reefCliNodeFlags();
  // Every server this script starts inherits the pinning.
  if (PIN) spawnSync('taskset', ['-a', '-c', '-p', SERVER_CPU, String(process.pid)], { stdio: 'ignore' });
  const tmp = mkdtempSync(join(tmpdir(), 'reef-bench-proxy-'));
  const bodies = new Map(SIZES.map((s) => [s.path, Buffer.alloc(s.bytes, 0x61)]));
  const origin = createServer((req, res) => {
    const b = bodies.get(req.url ?? '');
    if (!b) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.length, 'cache-control': 'max-age=3600' }).end(b);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const originPort = (origin.address() as AddressInfo).port;

  const children: ChildProcess[] = [];
  const seed = spawn(process.execPath, [...seedFlags, '--import', 'tsx', new URL('./proxy-seed.ts', import.meta.url).pathname, ZONE, join(tmp, 'reef-cache')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(seed);
  const seedOut = lines(seed);
  const seedPort = Number((await seedOut.next()).split(' ')[1]);

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
    // The bare servers answer with the header lines of the seed's own hit response (Node adds Connection/Keep-Alive itself).
    const bareObjects: Array<{ path: string; bytes: number; lines: string[] }> = [];
    for (const s of SIZES) {
      // warm both caches, then check that a request is a hit of the right length
      for (let i = 0; i < 3; i++) {
        await get(seedPort, reefHost, s.path);
        await get(nginxPort, 'origin', s.path);
      }
      const rc = await get(seedPort, reefHost, s.path);
      const nc = await get(nginxPort, 'origin', s.path);
      if (rc.xcache !== 'HIT' || nc.xcache !== 'HIT' || rc.len !== s.bytes || nc.len !== s.bytes) throw new Error(`warm-up failed: reef ${JSON.stringify(rc)} nginx ${JSON.stringify(nc)}`);
      const lines: string[] = [];
      for (let i = 0; i < rc.rawHeaders.length; i += 2) {
        const name = rc.rawHeaders[i].toLowerCase();
        if (name !== 'connection' && name !== 'keep-alive') lines.push(name, rc.rawHeaders[i + 1]);
      }
      bareObjects.push({ path: s.path, bytes: s.bytes, lines });
    }
    const bare = await startBare([], bareObjects);
    const bareFlagged = await startBare(seedFlags, bareObjects);
    children.push(bare.child, bareFlagged.child);
    const servers = [[nginxPort, 'origin'], [seedPort, reefHost], [bare.port, 'bare'], [bareFlagged.port, 'bare']] as const;
    // Unmeasured load first, so run 1 does not include the JIT warming up the Node servers' hot paths.
    for (const s of SIZES) for (const [port, host] of servers) await wrk(port, host, s.path, 2);
    const rows: Array<Array<string | number>> = [];
    const ratios = new Map<string, { reef: number[]; bare: number[]; bareF: number[] }>(SIZES.map((s) => [s.name, { reef: [], bare: [], bareF: [] }]));
    const cpuRows: Array<Array<string | number>> = [];
    const loads: string[] = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const s of SIZES) {
        const n = await measure(() => procCpuSeconds(nginxWorker), nginxPort, 'origin', s.path);
        const r = await measure(() => procCpuSeconds(seed.pid!), seedPort, reefHost, s.path);
        const b = await measure(() => procCpuSeconds(bare.child.pid!), bare.port, 'bare', s.path);
        const f = await measure(() => procCpuSeconds(bareFlagged.child.pid!), bareFlagged.port, 'bare', s.path);
        console.log(
          `run ${run} ${s.name}: reef ${r.rps.toFixed(0)} req/s (${r.cpuUsPerReq.toFixed(1)} µs CPU/req) | bare Node ${b.rps.toFixed(0)} (${b.cpuUsPerReq.toFixed(1)}) | ` +
            `bare Node + seed flags ${f.rps.toFixed(0)} (${f.cpuUsPerReq.toFixed(1)}) | nginx ${n.rps.toFixed(0)} (${n.cpuUsPerReq.toFixed(1)}) | ` +
            `reef/nginx ${(r.rps / n.rps).toFixed(2)}x, bare/nginx ${(b.rps / n.rps).toFixed(2)}x | load ${loadavg()[0].toFixed(2)}`,
        );
        ratios.get(s.name)!.reef.push(r.rps / n.rps);
        ratios.get(s.name)!.bare.push(b.rps / n.rps);
        ratios.get(s.name)!.bareF.push(f.rps / n.rps);
        rows.push([run, s.name, r.rps.toFixed(0), b.rps.toFixed(0), f.rps.toFixed(0), n.rps.toFixed(0), `**${(r.rps / n.rps).toFixed(2)}×**`, `${(b.rps / n.rps).toFixed(2)}×`, `${(f.rps / n.rps).toFixed(2)}×`, r.p99Ms.toFixed(2), b.p99Ms.toFixed(2), f.p99Ms.toFixed(2), n.p99Ms.toFixed(2), `${r.errors}/${b.errors}/${f.errors}/${n.errors}`]);
        cpuRows.push([run, s.name, r.cpuUsPerReq.toFixed(1), b.cpuUsPerReq.toFixed(1), f.cpuUsPerReq.toFixed(1), n.cpuUsPerReq.toFixed(1), `${(n.cpuUsPerReq / r.cpuUsPerReq).toFixed(2)}×`, `${(n.cpuUsPerReq / b.cpuUsPerReq).toFixed(2)}×`, `${(n.cpuUsPerReq / f.cpuUsPerReq).toFixed(2)}×`]);
      }
      loads.push(`run ${run}: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    }
    seed.kill('SIGTERM');
    const stats = JSON.parse(await seedOut.next()) as { hits: number; originFetches: number };
    await new Promise((r) => (seed.exitCode === null ? seed.once('exit', r) : r(null)));
    const text =
      `# Proxy cache hits: Reef seed vs nginx proxy_cache\n\n` +
      `\`npx tsx bench/proxy.ts\` — wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION_S}s on loopback, ${new Date().toISOString().slice(0, 10)}, ` +
      `${cpus().length} cores, Node ${process.version}, nginx one worker with an on-disk proxy_cache. ` +
      (PIN ? `Pinned: nginx's worker, the seed and the bare servers on CPU ${SERVER_CPU}, wrk on CPU ${WRK_CPU}. ` : 'Not pinned. ') +
      `The seed runs with the V8 flags \`reef seed\` gets from bin/reef.js (${seedFlags.join(' ') || 'none'}). ` +
      `"bare Node" is the ceiling for one Node process here: a node:http server (its own process, default flags) that answers the same bytes ` +
      `with the same header lines the seed sent and does nothing else; "bare + flags" is the same with the seed's flags. ` +
      `Throughput ratio = req/s ÷ nginx req/s (goal ≥ 0.5× for Reef).\n\n` +
      table(['run', 'object', 'Reef req/s', 'bare Node req/s', 'bare + flags req/s', 'nginx req/s', 'Reef ÷ nginx', 'bare Node ÷ nginx', 'bare + flags ÷ nginx', 'Reef p99 ms', 'bare p99 ms', 'bare + flags p99 ms', 'nginx p99 ms', 'errors reef/bare/bare+flags/nginx'], rows) +
      `\nOver the ${RUNS} runs (min / median / max of Reef ÷ nginx, bare Node ÷ nginx, bare + flags ÷ nginx): ` +
      [...ratios].map(([name, x]) => `${name}: Reef ${spread(x.reef)}, bare Node ${spread(x.bare)}, bare + flags ${spread(x.bareF)}`).join('; ') +
      '.\n' +
      `\nCPU time per request of the serving process (user + system; nginx: its worker, from /proc), and nginx's ÷ the other's — ` +
      `the throughput ratio each would reach if CPU were the only limit:\n\n` +
      table(['run', 'object', 'Reef µs/req', 'bare Node µs/req', 'bare + flags µs/req', 'nginx µs/req', 'Reef vs nginx', 'bare Node vs nginx', 'bare + flags vs nginx'], cpuRows) +
      `\nLoad average after each run: ${loads.join('; ')} — other work on the machine skews all sides; compare within one run only.\n` +
      `\nReef served ${stats.hits} hits and went to the origin ${stats.originFetches} times in this run. ` +
      `wrk, nginx and the seed share the machine's cores.\n`;
    writeResult(new URL('./results/proxy.md', import.meta.url).pathname, text);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    nginx.kill('SIGTERM');
    await new Promise((r) => nginx.once('exit', r));
    origin.closeAllConnections();
    origin.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
