// Transport-agnostic request handling: bytes and a source in, bytes (or nothing) out. UDP and TCP
// fronts share it; only the size budget and the rate limit differ between them.
import { answerQuery, type Answer, type AnswerDeps } from './answer';
import { AnswerCache, answerKey } from './answer-cache';
import type { Clock } from '../../shared/clock';
import type { DnsLimits } from './defaults';
import { DirectoryCache } from './directory-cache';
import { encodeAnswer, encodeHeaderOnly, encodeReusable, reuseReply, type Encoded } from './fit';
import type { DnsRejectCode } from './errors';
import type { Logger } from './log';
import { decodeQuery, inspectQuery, type DnsQuery, type QueryHead } from './query';
import { SourceGuard } from './source-guard';
import { createStats, type DnsStats } from './stats';
import { WireWriter } from './wire';

export interface Source {
  ip: string;
  transport: 'udp' | 'tcp';
}

const SLIP: Answer = { rcode: 'NOERROR', aa: true, answers: [], authorities: [], additionals: [], negative: false };
const SERVFAIL: Answer = { rcode: 'SERVFAIL', aa: false, answers: [], authorities: [], additionals: [], negative: false };

export class DnsHandler {
  readonly stats: DnsStats = createStats();
  private readonly writer = new WireWriter();
  private readonly guard: SourceGuard;
  private readonly limits: DnsLimits;
  private readonly cache: AnswerCache;
  private readonly directory: DirectoryCache;

  private readonly deps: AnswerDeps & { clock: Pick<Clock, 'now'>; log: Logger };

  constructor(deps: AnswerDeps & { clock: Pick<Clock, 'now'>; log: Logger }) {
    this.limits = deps.limits;
    this.directory = new DirectoryCache(deps.directory, deps.clock, deps.limits.directoryCacheMs, deps.limits.maxTrackedSources);
    this.deps = { ...deps, directory: this.directory };
    this.guard = new SourceGuard(deps.clock, deps.limits);
    // A directory that cannot say when it changed gets no more staleness than its memoized answers have.
    const maxAgeMs = deps.directory.version ? deps.limits.answerCacheMs : Math.min(deps.limits.answerCacheMs, deps.limits.directoryCacheMs);
    this.cache = new AnswerCache({ maxEntries: deps.limits.answerCacheEntries, maxAgeMs, rotations: deps.limits.answerCacheRotations });
  }

  handle(bytes: Uint8Array, src: Source): Buffer | null {
    const s = this.stats;
    s.received++;
    if (src.transport === 'udp') s.udpQueries++;
    else s.tcpQueries++;
    const inspected = inspectQuery(bytes, this.limits);
    if (!inspected.ok) {
      this.countRejected(inspected.code, src.ip);
      if (inspected.reply === 'drop' || (src.transport === 'udp' && this.guard.rate(src.ip) !== 'send')) return null;
      return this.count(inspected.reply, encodeHeaderOnly(this.writer, inspected.id, inspected.opcode, inspected.reply));
    }
    const head = inspected.head;
    if (src.transport === 'tcp') this.guard.markVerified(src.ip);
    else {
      const decision = this.guard.rate(src.ip);
      if (decision === 'drop') {
        s.rateLimited++;
        return null;
      }
      if (decision === 'slip') {
        s.slipped++;
        return this.count('NOERROR', encodeAnswer(this.writer, head, SLIP, 0, this.limits.maxUdpResponseBytes).bytes);
      }
    }
    const budget = this.budget(head, src);
    if (!head.plain || (head.edns && head.edns.version !== 0)) {
      const q = this.decode(head, src.ip);
      if (!q) return this.count('FORMERR', encodeHeaderOnly(this.writer, head.id, 0, 'FORMERR'));
      const answer = this.answer(q, src.ip) ?? SERVFAIL;
      return this.deliver(answer.rcode, encodeAnswer(this.writer, q, answer, budget, this.limits.maxUdpResponseBytes));
    }
    const key = answerKey(head, this.directory.localityKey?.(src.ip) ?? src.ip);
    const version = this.directory.version?.() ?? 0;
    const now = this.deps.clock.now();
    const cached = this.cache.get(key, version, now);
    if (cached) {
      s.answerCacheHits++;
      return this.deliver(cached.rcode, reuseReply(this.writer, head, cached, budget, this.limits.maxUdpResponseBytes));
    }
    s.answerCacheMisses++;
    const q = this.decode(head, src.ip);
    if (!q) return this.count('FORMERR', encodeHeaderOnly(this.writer, head.id, 0, 'FORMERR'));
    const answer = this.answer(q, src.ip);
    if (!answer) return this.deliver('SERVFAIL', encodeAnswer(this.writer, q, SERVFAIL, budget, this.limits.maxUdpResponseBytes));
    const reply = encodeReusable(this.writer, q, answer, this.limits.maxUdpResponseBytes);
    this.cache.add(key, version, now, reply);
    return this.deliver(reply.rcode, reuseReply(this.writer, head, reply, budget, this.limits.maxUdpResponseBytes, true));
  }

  private decode(head: QueryHead, ip: string): DnsQuery | null {
    const d = decodeQuery(head);
    if (d.ok) return d.query;
    this.countRejected(d.code, ip);
    return null;
  }

  /** null when the directory failed: SERVFAIL, never cached. */
  private answer(q: DnsQuery, ip: string): Answer | null {
    try {
      return answerQuery(q, ip, this.deps);
    } catch (err) {
      // A fault in the directory must not take the server down; the resolver will retry elsewhere.
      this.deps.log.error({ err, qname: q.name }, 'dns: answer failed');
      return null;
    }
  }

  private deliver(rcode: string, enc: Encoded): Buffer {
    if (enc.truncated) this.stats.truncated++;
    else if (enc.minimized) this.stats.minimized++;
    return this.count(rcode, enc.bytes);
  }

  /** Largest reply allowed: TCP 64 KiB; UDP the EDNS size (512 without), capped for unverified sources. */
  private budget(q: QueryHead, src: Source): number {
    if (src.transport === 'tcp') return 65_535;
    const l = this.limits;
    const udp = q.edns ? Math.max(l.plainUdpResponseBytes, Math.min(q.edns.udpPayloadSize, l.maxUdpResponseBytes)) : l.plainUdpResponseBytes;
    return this.guard.isVerified(src.ip) ? udp : Math.min(udp, q.sizeBytes * l.unverifiedAmplificationFactor);
  }

  /** Garbage is counted and logged at debug level (it is the sender's fault, not ours). */
  countRejected(code: DnsRejectCode, ip: string): void {
    this.stats.malformed++;
    this.stats.malformedByCode[code] = (this.stats.malformedByCode[code] ?? 0) + 1;
    this.deps.log.debug({ src: ip, code }, 'dns: rejected packet');
  }

  private count(rcode: string, bytes: Buffer): Buffer {
    this.stats.responses++;
    this.stats.rcodes[rcode] = (this.stats.rcodes[rcode] ?? 0) + 1;
    return bytes;
  }
}
