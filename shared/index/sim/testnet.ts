// createTestnet(n): n CoralNodes on an in-memory network and one virtual clock, joined in
// sequence. Tests, benchmarks, `reef sim` and demos all use it; teardown() stops every node.
import { createHmacAuthenticator } from '../auth';
import { CoralNode, type CoralInit } from '../node';
import type { Authenticator } from '../types';
import { VirtualClock } from './clock';
import { SimNetwork, type NetworkOptions } from './network';
import { seededRng } from './rng';

export interface TestnetOptions {
  seed?: number;
  network?: Partial<NetworkOptions>;
  /** Shared secret of the deployment (all nodes use it unless `authenticator` is given). */
  secret?: string;
  authenticator?: Authenticator;
  init?: CoralInit;
  /** Virtual time between two nodes starting. */
  joinSpacingMs?: number;
  /** Earlier nodes each newcomer bootstraps from. */
  bootstrapCount?: number;
  /** The first warmupNodes join warmupSpacingMs apart, so first clusters settle before the crowd. */
  warmupNodes?: number;
  warmupSpacingMs?: number;
}

export interface Testnet {
  clock: VirtualClock;
  network: SimNetwork;
  nodes: CoralNode[];
  rng: () => number;
  /** Advances virtual time by ms, letting promise continuations run between slices. */
  run(ms: number): Promise<void>;
  /** Adds one node (in `region`, random by default) that joins through earlier nodes. */
  add(opts?: { region?: number; init?: CoralInit; authenticator?: Authenticator }): CoralNode;
  /** Crashes a node: it stops answering without telling anyone. */
  crash(node: CoralNode): void;
  alive(): CoralNode[];
  teardown(): void;
}

export const TESTNET_DEFAULTS = { seed: 1, secret: 'reef-testnet', joinSpacingMs: 20, bootstrapCount: 2, warmupNodes: 0, warmupSpacingMs: 2000 };

export async function createTestnet(n: number, opts: TestnetOptions = {}): Promise<Testnet> {
  const o = { ...TESTNET_DEFAULTS, ...opts };
  const rng = seededRng(o.seed);
  const clock = new VirtualClock();
  const network = new SimNetwork(clock, seededRng(o.seed ^ 0x5eed), o.network);
  const authenticator = o.authenticator ?? createHmacAuthenticator(o.secret);
  const nodes: CoralNode[] = [];
  const crashed = new Set<CoralNode>();
  // Live nodes, kept as nodes join and crash: add() picks bootstrap nodes from it in O(1).
  const live: CoralNode[] = [];

  const tn: Testnet = {
    clock,
    network,
    nodes,
    rng,
    async run(ms) {
      const end = clock.now() + ms;
      const slice = 50;
      while (clock.now() < end) {
        clock.runUntil(Math.min(end, clock.now() + slice));
        await new Promise<void>((r) => setImmediate(r));
      }
    },
    add(a = {}) {
      const transport = network.createTransport(a.region);
      const node = new CoralNode({ transport, clock, authenticator: a.authenticator ?? authenticator, rng }, { ...o.init, ...a.init });
      const boot: string[] = [];
      for (let i = 0; i < Math.min(o.bootstrapCount, live.length); i++) boot.push(live[Math.floor(rng() * live.length)].address);
      nodes.push(node);
      live.push(node);
      void node.start([...new Set(boot)]);
      return node;
    },
    crash(node) {
      if (crashed.has(node)) return;
      crashed.add(node);
      const i = live.indexOf(node);
      if (i >= 0) live.splice(i, 1);
      network.setDown(node.address);
      node.stop();
    },
    alive: () => nodes.filter((x) => !crashed.has(x)),
    teardown() {
      // Nothing runs the clock after teardown: the nodes stop without telling their contacts.
      for (const node of nodes) if (!crashed.has(node)) node.stop({ notify: false });
      nodes.length = 0;
      live.length = 0;
    },
  };
  for (let i = 0; i < n; i++) {
    tn.add();
    const spacing = i < o.warmupNodes ? o.warmupSpacingMs : o.joinSpacingMs;
    if (spacing > 0) clock.runUntil(clock.now() + spacing);
  }
  await tn.run(0);
  return tn;
}
