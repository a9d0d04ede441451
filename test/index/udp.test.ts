// The index over real UDP between real processes on 127.0.0.1: join, put/get, application RPCs,
// a node of another deployment never joining, garbage datagrams counted and dropped.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../seed-node/udp-transport';

const SCRIPT = fileURLToPath(new URL('../support/index-node-process.ts', import.meta.url));

interface Proc {
  child: ChildProcessWithoutNullStreams;
  address: string;
  id: string;
  call(cmd: object): Promise<any>;
}

function startNode(args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(v: any) => void> = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start: ${stderr}`)), 20_000);
    lines.on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.ready) {
        clearTimeout(timer);
        resolve({
          child,
          address: msg.address,
          id: msg.id,
          call: (cmd) =>
            new Promise((res) => {
              waiting.push(res);
              child.stdin.write(`${JSON.stringify(cmd)}\n`);
            }),
        });
      } else waiting.shift()?.(msg);
    });
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) reject(new Error(`node exited ${code}: ${stderr}`));
    });
  });
}

const hex = (n: number, len = 20) => Buffer.alloc(len, n).toString('hex');

describe('index over UDP between processes', () => {
  const procs: Proc[] = [];
  let stranger: Proc;

  beforeAll(async () => {
    procs.push(await startNode(['--secret', 'deployment-a']));
    const rest = await Promise.all(Array.from({ length: 4 }, () => startNode(['--secret', 'deployment-a', '--bootstrap', procs[0].address])));
    procs.push(...rest);
    stranger = await startNode(['--secret', 'deployment-b', '--bootstrap', procs[0].address]);
  }, 60_000);

  afterAll(async () => {
    for (const p of [...procs, stranger]) if (p) p.child.kill('SIGKILL');
  });

  it('joins: every node knows the others at level 0', async () => {
    // Late joiners told the earlier ones about themselves; a fresh lookup round spreads the rest.
    for (const p of procs) await p.call({ op: 'get', key: hex(0x77) });
    for (const p of procs) {
      const c = (await p.call({ op: 'counters' })).ok;
      expect(c.routing[0]).toBeGreaterThanOrEqual(3);
    }
  });

  it('stores with put on one node and finds it with get on another', async () => {
    const key = hex(0x42);
    const value = Buffer.from('127.0.0.1:9999 holds it').toString('hex');
    const put = await procs[1].call({ op: 'put', key, value, ttlMs: 60_000 });
    expect(put.ok).toBeGreaterThan(0);
    const got = await procs[4].call({ op: 'get', key });
    expect(got.ok.values).toContain(value);
    const missing = await procs[3].call({ op: 'get', key: hex(0x43) });
    expect(missing.ok.values).toEqual([]);
  });

  it('carries application RPCs on the authenticated transport', async () => {
    const r = await procs[1].call({ op: 'request', to: procs[2].address, command: 'echo', payload: 'abcd' });
    expect(r.ok).toBe(`abcd${procs[1].id.slice(0, 2)}`);
    const none = await procs[1].call({ op: 'request', to: procs[2].address, command: 'nope', payload: '' });
    expect(none.error).toMatch(/index-no-handler/);
  });

  it('never lets a node of another deployment join, and counts its packets', async () => {
    const s = (await stranger.call({ op: 'counters' })).ok;
    expect(s.routing).toEqual([0, 0, 0]);
    const r = await stranger.call({ op: 'get', key: hex(0x42) });
    expect(r.ok.values).toEqual([]);
    const c0 = (await procs[0].call({ op: 'counters' })).ok;
    expect(c0.droppedBadMac).toBeGreaterThan(0);
  });

  it('counts and drops garbage datagrams without dying', async () => {
    const before = (await procs[0].call({ op: 'counters' })).ok;
    const sock = createSocket('udp4');
    const dst = parseAddress(procs[0].address)!;
    const garbage = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(200, 0x52), Buffer.from([0x52, 1, 0, 0, ...new Array(60).fill(7)]), Buffer.from([0x52, 99, ...new Array(60).fill(7)]), Buffer.alloc(20_000, 1)];
    for (const g of garbage) await new Promise<void>((r) => sock.send(g, dst.port, dst.host, () => r()));
    sock.close();
    await new Promise((r) => setTimeout(r, 300));
    const after = (await procs[0].call({ op: 'counters' })).ok;
    const dropped = (c: any) => c.droppedBadMac + c.droppedMalformed + c.droppedBadVersion + c.udp.droppedOversized;
    expect(dropped(after) - dropped(before)).toBeGreaterThanOrEqual(garbage.length - 1); // the 20 KB one may not arrive at all
    const got = await procs[4].call({ op: 'get', key: hex(0x42) });
    expect(got.ok.values.length).toBe(1);
  });

  it('formats and parses addresses', () => {
    expect(formatAddress('::1', 80)).toBe('[::1]:80');
    expect(parseAddress('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseAddress('127.0.0.1:0')).toBeNull();
    expect(parseAddress('nonsense')).toBeNull();
  });
});
