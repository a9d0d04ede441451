// Small helpers shared by the benchmarks: a seeded RNG, timing, medians, and a markdown table writer.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The simulator's seeded PRNG (mulberry32), so benchmark inputs are the same every run. */
export { seededRng as mulberry32 } from '../shared/index/sim/rng';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Wall time of a command in seconds (the command's own exit status must be 0). */
export function timeCommand(cmd: string, args: string[], opts: { cwd?: string } = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${r.stderr?.toString().slice(0, 500)}`);
  return secs;
}

export function writeResult(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`\nwrote ${path}\n`);
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** The V8 flags bin/reef.js's shebang line runs the CLI (`reef seed`, `reef tracker`, ...) with. */
export function reefCliNodeFlags(): string[] {
  const shebang = readFileSync(new URL('../bin/reef.js', import.meta.url), 'utf8').split('\n')[0];
  return shebang.split(/\s+/).filter((w) => w.startsWith('--'));
}
