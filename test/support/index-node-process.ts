// A CoralNode over UDP on 127.0.0.1 in its own process, driven by JSON lines on stdin, for the
// index's real-process tests (the seed daemon will host nodes the same way).
//   argv: --secret S [--bootstrap host:port,...] [--id hex] [--version-byte N]
//   stdin: {"op":"put","key":hex,"value":hex,"ttlMs":n} | {"op":"get","key":hex} | {"op":"counters"}
//          | {"op":"levels"} | {"op":"request","to":addr,"command":s,"payload":hex} | {"op":"stop"}
//   stdout: {"ready":true,"address":..,"id":..} then one {"ok":..} or {"error":..} line per command.
import { createInterface } from 'node:readline';
import { createHmacAuthenticator } from '../../shared/index/auth';
import { hexToId, idToHex } from '../../shared/index/id';
import { CoralNode } from '../../shared/index/node';
import { startUdpTransport, systemClock } from '../../seed-node/udp-transport';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

const transport = await startUdpTransport({ host: '127.0.0.1', port: 0 });
const id = args.get('id') ? hexToId(args.get('id')!) ?? undefined : undefined;
const node = new CoralNode(
  { transport, clock: systemClock, authenticator: createHmacAuthenticator(args.get('secret') ?? 'test') },
  { id, k: 8, rpcTimeoutMs: 2000, rttThresholdsMs: [60, 20] },
);
node.handle('echo', (from, payload) => Uint8Array.from([...payload, ...from.id.subarray(0, 1)]));
const boot = (args.get('bootstrap') ?? '').split(',').filter(Boolean);
await node.start(boot);
process.stdout.write(`${JSON.stringify({ ready: true, address: node.address, id: idToHex(node.id) })}\n`);

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let out: unknown;
  try {
    const cmd = JSON.parse(line);
    switch (cmd.op) {
      case 'put':
        out = { ok: (await node.put(unhex(cmd.key), unhex(cmd.value), cmd.ttlMs)).storedAt.length };
        break;
      case 'get': {
        const r = await node.get(unhex(cmd.key));
        out = { ok: { values: r.values.map(hex), level: r.level, hops: r.hops } };
        break;
      }
      case 'counters':
        out = { ok: { ...node.counters, udp: transport.counters, routing: node.tables.map((t) => t.size) } };
        break;
      case 'levels':
        out = { ok: node.levels().map((l) => ({ ...l, rttThresholdMs: String(l.rttThresholdMs) })) };
        break;
      case 'request':
        out = { ok: hex(await node.request(cmd.to, cmd.command, unhex(cmd.payload))) };
        break;
      case 'stop':
        node.stop();
        await transport.closed;
        process.stdout.write(`${JSON.stringify({ ok: 'stopped' })}\n`);
        process.exit(0);
        break;
      default:
        out = { error: 'unknown op' };
    }
  } catch (e) {
    out = { error: e instanceof Error ? e.message : String(e) };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
