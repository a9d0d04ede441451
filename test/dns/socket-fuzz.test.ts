// 100,000 malformed packets at a running server over UDP (plus garbage over TCP): no crash, no hang,
// every packet accounted for, and the server still answers dig correctly afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, rng } from './core';
import { createDnsTestnet, dig, type DnsTestnet } from './helpers';

/** Hostile packet families, chosen by a seeded RNG so a failure reproduces. */
function malformed(r: () => number): Buffer {
  const n = (max: number) => Math.floor(r() * max);
  const bytes = (len: number) => Buffer.from(Array.from({ length: len }, () => n(256)));
  switch (n(7)) {
    case 0:
      return bytes(n(600));
    case 1: {
      // A header claiming up to 65,535 records of each kind, then junk.
      const h = bytes(12 + n(64));
      h.writeUInt16BE(h.readUInt16BE(2) & 0x7fff, 2);
      for (let i = 4; i < 12; i += 2) h.writeUInt16BE(r() < 0.5 ? 65535 : n(65536), i);
      return h;
    }
    case 2: {
      // A valid query with a few bytes flipped.
      const q = encodeQuery(`o${n(1000)}.reef.localhost`, 'A', n(65536));
      for (let i = 0, k = 1 + n(4); i < k; i++) q[n(q.length)] = n(256);
      return q;
    }
    case 3: {
      // Compression pointer loops and chains where names are expected.
      const q = Buffer.alloc(12 + 2 * (1 + n(200)));
      q.writeUInt16BE(1, 4);
      for (let o = 12; o < q.length; o += 2) q.writeUInt16BE(0xc000 | (r() < 0.5 ? o : Math.max(12, o - 2)), o);
      return q;
    }
    case 4: {
      // Truncated valid query.
      const q = encodeQuery(`t${n(1000)}.l1-x.l0.reef.localhost`, 'AAAA', n(65536));
      return q.subarray(0, n(q.length));
    }
    case 5:
      return bytes(1233 + n(2000));
    default: {
      // A response (QR=1) — must never be answered.
      const q = encodeQuery('loop.reef.localhost', 'A', n(65536));
      q[2] |= 0x80;
      return q;
    }
  }
}

describe('socket fuzz', () => {
  let t: DnsTestnet;
  beforeAll(async () => {
    t = await createDnsTestnet({ clusters: [{}, {}, {}] });
  });
  afterAll(async () => t?.close());

  it('survives 100,000 malformed UDP packets and still answers', async () => {
    const r = rng(2024);
    const sock = dgram.createSocket('udp4');
    let replies = 0;
    sock.on('message', () => replies++);
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    const total = 100_000;
    const burst = 500;
    const before = t.server.stats().received;
    const t0 = performance.now();
    for (let sent = 0; sent < total; sent += burst) {
      for (let i = 0; i < burst; i++) {
        const p = malformed(r);
        // Datagrams over 64 KiB cannot be sent at all; oversize ones here are ≤ 3.2 KB.
        sock.send(p, t.port, '127.0.0.1');
      }
      // Let the in-process server drain this burst (bounded wait: no hang either way).
      const deadline = performance.now() + 2_000;
      while (t.server.stats().received - before < sent + burst - 50 && performance.now() < deadline) await new Promise((res) => setImmediate(res));
    }
    const elapsedMs = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 100));
    const s = t.server.stats();
    sock.close();
    // Every datagram reached the parser (loopback, paced) and the garbage was counted, not thrown.
    expect(s.received - before).toBeGreaterThanOrEqual(total * 0.99);
    expect(s.malformed).toBeGreaterThan(total * 0.6);
    expect(elapsedMs).toBeLessThan(60_000);
    // Replies to a single flooding source are rate-limited: far fewer than the packets sent.
    expect(replies).toBeLessThan(total * 0.05);
    console.log(`socket fuzz: ${total} packets in ${Math.round(elapsedMs)} ms; malformed ${s.malformed}, replies ${replies}, rate-limited ${s.rateLimited}`, s.malformedByCode);
    const after = await dig(t.port, 'example.com.reef.localhost', 'A');
    expect(after.status).toBe('NOERROR');
    expect(after.answers.filter((a) => a.type === 'A').length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('survives garbage over TCP (random frames, huge length prefixes, half-open frames)', async () => {
    const r = rng(99);
    await Promise.all(
      Array.from({ length: 20 }, (_, c) =>
        new Promise<void>((res) => {
          const s = net.connect(t.port, '127.0.0.1');
          s.on('error', () => {});
          s.on('data', () => {});
          s.on('close', () => res());
          s.on('connect', () => {
            for (let i = 0; i < 200; i++) {
              const p = malformed(r);
              const len = Buffer.alloc(2);
              len.writeUInt16BE(c % 5 === 0 && i === 150 ? 65535 : p.length);
              s.write(Buffer.concat([len, p]));
            }
            s.end();
          });
          setTimeout(() => s.destroy(), 5_000);
        }),
      ),
    );
    const after = await dig(t.port, 'example.com.reef.localhost', 'A', ['+tcp']);
    expect(after.status).toBe('NOERROR');
    expect(after.transport).toBe('TCP');
  });
  // A datagram from source port 0 cannot be answered: dgram.send would throw ERR_SOCKET_BAD_PORT inside
  // the message handler and take the process down. Crafting one needs a raw socket (root).
  const PY_RAW_UDP = `
import socket, struct, sys
port = int(sys.argv[1])
q = bytes.fromhex('123401000001000000000000') + b'\\x07example\\x03com\\x04reef\\x09localhost\\x00\\x00\\x01\\x00\\x01'
udp = struct.pack('!HHHH', 0, port, 8 + len(q), 0) + q
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28 + len(q), 1, 0, 64, 17, 0, socket.inet_aton('127.0.0.1'), socket.inet_aton('127.0.0.1'))
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW).sendto(ip + udp, ('127.0.0.1', 0))
`;
  it.skipIf(process.getuid?.() !== 0 || spawnSync('python3', ['-c', 'pass']).status !== 0)('survives a datagram from source port 0 (raw socket, root only)', async () => {
    const before = t.server.stats().malformedByCode.DNS_ERR_BAD_SOURCE ?? 0;
    for (let i = 0; i < 3; i++) execFileSync('python3', ['-c', PY_RAW_UDP, String(t.port)]);
    const deadline = Date.now() + 2_000;
    while ((t.server.stats().malformedByCode.DNS_ERR_BAD_SOURCE ?? 0) < before + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(t.server.stats().malformedByCode.DNS_ERR_BAD_SOURCE).toBe(before + 3);
    expect((await dig(t.port, 'example.com.reef.localhost', 'A')).status).toBe('NOERROR');
  });
});

describe('TCP connection limits', () => {
  it('caps connections per source; idle ones are closed; a fresh client is served afterwards', async () => {
    const t = await createDnsTestnet({ clusters: [{}, {}], limits: { maxTcpConnectionsPerSource: 3, tcpIdleTimeoutMs: 500 } });
    try {
      const open = await Promise.all(
        Array.from({ length: 5 }, () =>
          new Promise<{ closedAt: () => number | undefined }>((res) => {
            let closedAt: number | undefined;
            const s = net.connect(t.port, '127.0.0.1', () => res({ closedAt: () => closedAt }));
            s.on('error', () => {});
            s.on('close', () => (closedAt = Date.now()));
          }),
        ),
      );
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 200));
      // Two of the five were refused at once; three are held until the idle timeout.
      expect(open.filter((o) => o.closedAt() !== undefined)).toHaveLength(2);
      expect(t.server.stats().tcpRejected).toBe(2);
      await new Promise((r) => setTimeout(r, 800));
      expect(open.every((o) => o.closedAt() !== undefined && o.closedAt()! - t0 < 1_000)).toBe(true);
      expect((await dig(t.port, 'example.com.reef.localhost', 'A', ['+tcp'])).status).toBe('NOERROR');
    } finally {
      await t.close();
    }
  });
});

const HAVE_PYTHON = spawnSync('python3', ['-c', 'pass']).status === 0;

// A client with a 4 KiB receive buffer (Python sets SO_RCVBUF; Node cannot) pipelines queries from one
// thread and starts reading late: the server's writes back up, it must stop reading, then resume.
const PY_SLOW_READER = `
import socket, struct, sys, threading, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', port))
def q(i):
    name = b''.join(bytes([len(l)]) + l for l in [b'p%d' % i, b'reef', b'localhost']) + b'\\x00'
    m = struct.pack('!HHHHHH', i % 65536, 0x0100, 1, 0, 0, 0) + name + b'\\x00\\x01\\x00\\x01'
    return struct.pack('!H', len(m)) + m
data = b''.join(q(i) for i in range(n))
threading.Thread(target=lambda: s.sendall(data), daemon=True).start()
time.sleep(1.0)
buf, got, ok = b'', 0, True
while got < n:
    chunk = s.recv(65536)
    if not chunk: break
    buf += chunk
    while len(buf) >= 2 and len(buf) >= 2 + struct.unpack('!H', buf[:2])[0]:
        l = struct.unpack('!H', buf[:2])[0]
        if struct.unpack('!H', buf[2:4])[0] != got % 65536: ok = False
        buf = buf[2 + l:]; got += 1
print(got, 'in-order' if ok else 'out-of-order')
`;

describe('TCP pipelining and back-pressure', () => {
  it.skipIf(!HAVE_PYTHON)('a client that reads late gets all 50,000 pipelined answers in order; the server paused reading meanwhile', async () => {
    const t = await createDnsTestnet({ clusters: [{}, {}] });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn('python3', ['-c', PY_SLOW_READER, String(t.port), '50000']);
        let stdout = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.on('error', reject);
        p.on('close', () => resolve(stdout.trim()));
        setTimeout(() => p.kill(), 30_000);
      });
      expect(out).toBe('50000 in-order');
      expect(t.server.stats().tcpPaused).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  }, 40_000);
});
