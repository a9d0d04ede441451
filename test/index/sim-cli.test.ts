// `reef sim` as a user runs it: JSON output with the required fields, usage errors, --help.
import { describe, expect, it } from 'vitest';
import { runReef } from '../support/cli';

describe('reef sim', () => {
  it('prints one JSON object with the measurements', async () => {
    const r = await runReef(['sim', '--nodes', '60', '--seed', '4', '--lookups', '100', '--json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    for (const field of ['nodes', 'lookups', 'hopsMean', 'hopsP99', 'getSuccessRate', 'level2HitRate', 'maxRootStoresPerMin', 'rootStoreBound', 'clusters', 'wallSeconds']) {
      expect(report).toHaveProperty(field);
    }
    expect(report.nodes).toBe(60);
    expect(report.getSuccessRate).toBeGreaterThan(0.95);
    expect(report.maxRootStoresPerMin).toBeLessThanOrEqual(report.rootStoreBound);
  }, 120_000);

  it('rejects bad options with exit code 2 and names the option', async () => {
    const r = await runReef(['sim', '--nodes', 'ten']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--nodes/);
    const c = await runReef(['sim', '--nodes', '10', '--churn', '2']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--churn/);
  });

  it('has --help', async () => {
    const r = await runReef(['sim', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--regions/);
  });
});
