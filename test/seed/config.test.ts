import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadSeedConfig, parseByteSize, SEED_DEFAULTS } from '../../seed-node/config';
import { runReef } from '../support/cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reef-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('seed configuration', () => {
  it('layers defaults < config file < REEF_SECRET < flags', async () => {
    const file = join(dir, 'seed.json');
    await writeFile(file, JSON.stringify({ httpPort: 9000, dnsPort: 5353, zone: 'cdn.example.org', secret: 'from-the-file-0123456789', cacheSize: '2g', bootstrap: ['10.0.0.1:8471'] }));
    const cfg = await loadSeedConfig({ config: file, httpPort: 9100 }, { REEF_SECRET: 'from-the-environment-0123' });
    expect(cfg).toMatchObject({ httpPort: 9100, dnsPort: 5353, zone: 'cdn.example.org', secret: 'from-the-environment-0123', cacheSizeBytes: 2 * 2 ** 30, bootstrap: ['10.0.0.1:8471'], dhtPort: SEED_DEFAULTS.dhtPort });
    expect((await loadSeedConfig({ config: file }, {})).secret).toBe('from-the-file-0123456789');
  });

  it('names the key that is wrong', async () => {
    const err = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => (e instanceof ConfigError ? e.message : `not a ConfigError: ${e.message}`));
    expect(await err(loadSeedConfig({}, {}))).toMatch(/^secret: .*REEF_SECRET/);
    expect(await err(loadSeedConfig({ secret: 'x'.repeat(16), zone: 'bad zone!' }, {}))).toMatch(/^zone:/);
    expect(await err(loadSeedConfig({ secret: 'x'.repeat(16), bootstrap: ['nohost'] }, {}))).toMatch(/^bootstrap\.0: expected host:port/);
    expect(await err(loadSeedConfig({ secret: 'x'.repeat(16), advertiseHost: 'not-an-ip' }, {}))).toMatch(/^advertiseHost:/);
    expect(await err(loadSeedConfig({ secret: 'x'.repeat(16), iceServers: ['http://stun.example'] }, {}))).toMatch(/^iceServers\.0: expected stun/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"httpPort": 80,');
    expect(await err(loadSeedConfig({ config: bad }, {}))).toMatch(/--config .*bad\.json/);
    await writeFile(bad, '{"unknownKey": 1, "secret": "0123456789abcdef"}');
    expect(await err(loadSeedConfig({ config: bad }, {}))).toMatch(/unknownKey|Unrecognized/i);
  });

  it('parses sizes with binary units', () => {
    expect(parseByteSize('512m')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1.5g')).toBe(1.5 * 2 ** 30);
    expect(() => parseByteSize('lots')).toThrow(ConfigError);
  });

  it('reef seed exits 2 naming the problem', async () => {
    const r = await runReef(['seed', '--http-port', 'eighty'], { env: { REEF_SECRET: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--http-port must be a port number/);
    const noSecret = await runReef(['seed'], { env: { REEF_SECRET: '' } });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/secret/);
  });
});
