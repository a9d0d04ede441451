// `reef sim`: runs the Coral index on an in-memory network in virtual time and reports the
// measurements of issue #3 (success rate, hops, cluster locality, hot-spot load at the root).
import type { Command } from 'commander';
import { runSimulation, type SimReport } from '../../shared/index/sim/scenario';
import { UsageError } from '../errors';

interface SimCliOptions {
  nodes: string;
  seed: string;
  regions: string;
  churn: string;
  lookups: string;
  k: string;
  settleMinutes: string;
  json?: boolean;
  verbose?: boolean;
}

function intOption(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${raw}"`);
  return n;
}

export function formatReport(r: SimReport): string {
  const rows: Array<[string, string]> = [
    ['nodes', String(r.nodes)],
    ['regions', String(r.regions)],
    ['churn (crashed fraction)', String(r.churn)],
    ['lookups', String(r.lookups)],
    ['get success rate', r.getSuccessRate.toFixed(4)],
    ['hops mean / p99', `${r.hopsMean.toFixed(2)} / ${r.hopsP99}`],
    ['level-2 hit rate', `${r.level2HitRate.toFixed(3)} (of ${r.level2Eligible} gets with a holder in the cluster)`],
    ['answered at level 0/1/2', r.answeredAtLevel.join(' / ')],
    ['max stores per node-minute (hot key)', String(r.maxRootStoresPerMin)],
    [`Coral bound (b = ${r.bitsPerHop})`, String(r.rootStoreBound)],
    ['clusters per level', r.clusters.join(' / ')],
    ['level-2 cluster region purity', r.clusterRegionPurity.toFixed(3)],
    ['RPCs sent per node', r.rpcsPerNode.toFixed(1)],
    ['virtual seconds', r.virtualSeconds.toFixed(0)],
    ['wall seconds', r.wallSeconds.toFixed(1)],
    ['CPU seconds', (r.cpuSeconds ?? 0).toFixed(1)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('simulate the Coral index with N nodes in virtual time and report lookup, locality and hot-spot measurements')
    .requiredOption('--nodes <n>', 'number of nodes (2..50000)')
    .option('--seed <s>', 'random seed: the same seed gives the same run', '1')
    .option('--regions <r>', 'geographic regions of the RTT model (1..16)', '3')
    .option('--churn <f>', 'fraction of nodes that crash mid-run (0..0.9)', '0')
    .option('--lookups <n>', 'gets to measure', '2000')
    .option('--k <n>', 'bucket size k of the simulated nodes', '8')
    .option('--settle-minutes <m>', 'virtual minutes for clusters to settle after the last join (re-evaluation every 5)', '11')
    .option('--json', 'print one JSON object instead of a table')
    .option('--verbose', 'print per-phase progress to stderr')
    .action(async (opts: SimCliOptions) => {
      const nodes = intOption('nodes', opts.nodes, 2, 50_000);
      const seed = intOption('seed', opts.seed, 0, 2 ** 32 - 1);
      const regions = intOption('regions', opts.regions, 1, 16);
      const lookups = intOption('lookups', opts.lookups, 1, 1_000_000);
      const k = intOption('k', opts.k, 2, 64);
      const settleMinutes = intOption('settle-minutes', opts.settleMinutes, 1, 24 * 60);
      const churn = Number(opts.churn);
      if (!(churn >= 0 && churn <= 0.9)) throw new UsageError(`--churn must be a fraction in 0..0.9, got "${opts.churn}"`);
      const cpu0 = process.cpuUsage();
      const report = await runSimulation({
        nodes,
        seed,
        regions,
        churn,
        lookups,
        settleMs: settleMinutes * 60_000,
        init: { k },
        onPhase: opts.verbose ? (p) => process.stderr.write(`${JSON.stringify(p)}\n`) : undefined,
      });
      const cpu = process.cpuUsage(cpu0);
      report.cpuSeconds = (cpu.user + cpu.system) / 1e6;
      process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    });
}
