// Transport-agnostic request handling: bytes and a source in, bytes (or nothing) out. UDP and TCP
// fronts share it; only the size budget and the rate limit differ between them.
import { answerQuery, type AnswerDeps } from './answer';
import type { Clock } from '../../shared/clock';
import type { DnsLimits } from './defaults';
import { DirectoryCache } from './directory-cache';
import { encodeAnswer, encodeHeaderOnly } from './fit';
import type { DnsRejectCode } from './errors';
import type { Logger } from './log';
import { intakeQuery, type DnsQuery } from './query';
import { SourceGuard } from './source-guard';
import { createStats, type DnsStats } from './stats';
import { WireWriter } from './wire';

export interface Source {
  ip: string;
  transport: 'udp' | 'tcp';
}

export class DnsHandler {
  readonly stats: DnsStats = createStats();
  private readonly writer = new WireWriter();
  private readonly guard: SourceGuard;
  private readonly limits: DnsLimits;

  private readonly deps: AnswerDeps & { clock: Pick<Clock, 'now'>; log: Logger };

  constructor(deps: AnswerDeps & { clock: Pick<Clock, 'now'>; log: Logger }) {
    this.limits = deps.limits;
    this.deps = { ...deps, directory: new DirectoryCache(deps.directory, deps.clock, deps.limits.directoryCacheMs, deps.limits.maxTrackedSources) };
    this.guard = new SourceGuard(deps.clock, deps.limits);
  }

  handle(bytes: Uint8Array, src: Source): Buffer | null {
    const s = this.stats;
    s.received++;
    if (src.transport === 'udp') s.udpQueries++;
    else s.tcpQueries++;
    const intake = intakeQuery(bytes, this.limits);
    if (!intake.ok) {
      this.countRejected(intake.code, src.ip);
      if (intake.reply === 'drop' || (src.transport === 'udp' && this.guard.rate(src.ip) !== 'send')) return null;
      return this.count(intake.reply, encodeHeaderOnly(this.writer, intake.id, intake.opcode, intake.reply));
    }
    const q = intake.query;
    if (src.transport === 'tcp') this.guard.markVerified(src.ip);
    else {
      const decision = this.guard.rate(src.ip);
      if (decision === 'drop') {
        s.rateLimited++;
        return null;
      }
      if (decision === 'slip') {
        s.slipped++;
        return this.count('NOERROR', encodeAnswer(this.writer, q, { rcode: 'NOERROR', aa: true, answers: [], authorities: [], additionals: [], negative: false }, 0, this.limits.maxUdpResponseBytes).bytes);
      }
    }
    let answer;
    try {
      answer = answerQuery(q, src.ip, this.deps);
    } catch (err) {
      // A fault in the directory must not take the server down; the resolver will retry elsewhere.
      this.deps.log.error({ err, qname: q.name }, 'dns: answer failed');
      answer = { rcode: 'SERVFAIL' as const, aa: false, answers: [], authorities: [], additionals: [], negative: false };
    }
    const enc = encodeAnswer(this.writer, q, answer, this.budget(q, src), this.limits.maxUdpResponseBytes);
    if (enc.truncated) s.truncated++;
    if (enc.minimized) s.minimized++;
    return this.count(answer.rcode, enc.bytes);
  }

  /** Largest reply allowed: TCP 64 KiB; UDP the EDNS size (512 without), capped for unverified sources. */
  private budget(q: DnsQuery, src: Source): number {
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
