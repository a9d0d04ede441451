// The `reef` command line: one subcommand per module in cli/commands/.
import { Command, CommanderError } from 'commander';
import { registerDemo } from './commands/demo';
import { registerKeygen } from './commands/keygen';
import { registerManifest } from './commands/manifest';
import { registerPeer } from './commands/peer';
import { registerSeed } from './commands/seed';
import { registerTracker } from './commands/tracker';
import { registerSim } from './commands/sim';
import { UsageError } from './errors';

export function buildProgram(): Command {
  const program = new Command('reef')
    .description('Reef: a peer-to-peer CDN of verified bytes (browsers, seed nodes, a Coral-style index)')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerManifest(program);
  registerKeygen(program);
  registerSeed(program);
  registerTracker(program);
  registerSim(program);
  registerPeer(program);
  registerDemo(program);
  applyToAll(program, (c) => c.exitOverride().showHelpAfterError());
  return program;
}

function applyToAll(cmd: Command, fn: (c: Command) => void): void {
  for (const c of cmd.commands) {
    fn(c);
    applyToAll(c, fn);
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" to commander; they succeed for us.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`reef: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`reef: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
