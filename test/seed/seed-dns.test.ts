// DNS on real seeds: three `reef seed` processes on distinct loopback addresses answer for the zone with
// live seed proxies, and a killed seed leaves every answer within 15 s.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeedProcess, status, waitFor, type SeedProcess } from '../support/seed-process';

const run = promisify(execFile);
const HOSTS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
let root: string;
const seeds: SeedProcess[] = [];

async function dig(seed: SeedProcess, name: string, type = 'A'): Promise<string[]> {
  const [host, port] = [seed.dns.slice(0, seed.dns.lastIndexOf(':')), seed.dns.slice(seed.dns.lastIndexOf(':') + 1)];
  const { stdout } = await run('dig', [`@${host}`, '-p', port, '+short', '+tries=1', '+time=2', name, type]);
  return stdout.trim().split('\n').filter(Boolean);
}
const ips = (lines: string[]) => lines.filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reef-dns-seeds-'));
  seeds.push(await startSeedProcess({ dataDir: join(root, 'a'), host: HOSTS[0] }));
  seeds.push(...(await Promise.all(HOSTS.slice(1).map((host, i) => startSeedProcess({ dataDir: join(root, `s${i}`), host, bootstrap: [seeds[0].dht] })))));
}, 60_000);

afterAll(async () => {
  await Promise.all(seeds.map((s) => s.stop('SIGKILL')));
  await rm(root, { recursive: true, force: true });
});

describe('reef seed DNS', () => {
  it('answers a Reef name with the live seed proxies, and drops a dead one within 15 s', async () => {
    // Answers carry 2-4 live proxies, spread across queries: together they cover all three seeds.
    const seen = new Set<string>();
    await waitFor('all three seeds across answers', async () => {
      const a = ips(await dig(seeds[0], 'localhost.8000.reef.localhost'));
      if (a.length < 2) return false;
      a.forEach((ip) => seen.add(ip));
      return seen.size === 3;
    }, 40_000, 100).catch(async (e: Error) => {
      // Answers come from the resolver's cluster: say what each seed's index saw.
      const views = await Promise.all(seeds.map((x) => status(x).then((st) => ({ levels: st.levels, liveSeeds: st.liveSeeds }), (err: Error) => err.message)));
      throw new Error(`${e.message}; seen ${[...seen].join(' ')}; seeds: ${JSON.stringify(views)}`);
    });
    expect([...seen].sort()).toEqual([...HOSTS].sort());
    expect(await dig(seeds[0], 'reef.localhost', 'SOA')).toHaveLength(1);
    expect((await dig(seeds[0], 'reef.localhost', 'NS')).length).toBeGreaterThanOrEqual(2);

    await seeds[2].stop('SIGKILL');
    const t0 = Date.now();
    await waitFor('the dead seed to leave the answers', async () => {
      for (let i = 0; i < 5; i++) {
        const a = ips(await dig(seeds[0], 'localhost.8000.reef.localhost'));
        if (a.length < 2 || a.includes(HOSTS[2])) return false;
      }
      return true;
    }, 16_000, 250);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 90_000);
});
