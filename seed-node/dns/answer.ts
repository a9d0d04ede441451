// The sans-I/O answer logic: a decoded query plus the resolver's address in, the records of an
// authoritative reply out. No sockets, no clock; randomness is injected.
import type { DnsLimits } from './defaults';
import type { SeedDirectory, SeedInfo } from './directory';
import { classifyName, clusterZone, formatReefName, idLabel, nameserverHost, normalizeName, type ClusterLabels } from './name';
import type { DnsQuery } from './query';
import { clusterMatch, pickProxies, preferCluster, type Family } from './select';
import type { Rcode, ResourceRecord } from './wire';

export interface AnswerDeps {
  zone: string;
  directory: SeedDirectory;
  limits: DnsLimits;
  rng: () => number;
  /** SOA serial (the server's start time in seconds: synthesized zones change continuously). */
  serial: number;
}

export interface Answer {
  rcode: Rcode;
  aa: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  /** Which section to keep when the reply must shrink: negative answers keep their SOA. */
  negative: boolean;
}

const empty = (rcode: Rcode, aa: boolean): Answer => ({ rcode, aa, answers: [], authorities: [], additionals: [], negative: false });

export function answerQuery(q: DnsQuery, resolverIp: string, deps: AnswerDeps): Answer {
  if (q.edns && q.edns.version > 0) return empty('BADVERS', false);
  const where = classifyName(q.name, deps.zone);
  if (!where || (q.class !== 'IN' && q.class !== 'ANY')) return empty('REFUSED', false);
  const apex = normalizeName(deps.zone);
  const t = q.type;
  const ctx = { q, resolverIp, deps };
  switch (where.kind) {
    case 'invalid':
      return negative(ctx, 'NXDOMAIN', apex);
    case 'l0':
      return negative(ctx, 'NOERROR', apex);
    case 'apex':
    case 'cluster-apex': {
      const cluster = where.kind === 'cluster-apex' ? where.cluster : undefined;
      const zoneName = cluster ? clusterZone(cluster, apex) : apex;
      const a = positive();
      if (t === 'SOA' || t === 'ANY') a.answers.push(soa(ctx, zoneName));
      if (t === 'NS' || t === 'ANY') delegation(ctx, zoneName, cluster, a.answers, a.additionals);
      return a.answers.length ? a : negative(ctx, 'NOERROR', zoneName);
    }
    case 'nameserver': {
      const seed = deps.directory.seedByLabel?.(where.seedLabel);
      if (!seed) return negative(ctx, 'NXDOMAIN', apex);
      const a = positive();
      if (t === 'A' || t === 'ANY') addressRecords(q.name, [seed], 'ipv4', deps.limits.nsTtlSec, a.answers);
      if (t === 'AAAA' || t === 'ANY') addressRecords(q.name, [seed], 'ipv6', deps.limits.nsTtlSec, a.answers);
      return a.answers.length ? a : negative(ctx, 'NOERROR', apex);
    }
    case 'origin': {
      const cluster = resolverCluster(where.cluster, where.cluster ? undefined : deps.directory.clusterOf?.(resolverIp));
      const a = positive();
      let owner = q.name;
      if (!where.cluster && cluster) {
        // Coral-style: send the resolver into its cluster's zone; it then caches that zone's NS set
        // (nameservers of its own cluster) and sticks to them.
        owner = formatReefName({ originHost: where.originHost, port: where.port, cluster }, apex);
        a.answers.push({ name: q.name, ttlSec: deps.limits.clusterCnameTtlSec, data: { type: 'CNAME', target: owner } });
        if (t === 'CNAME') return a;
      }
      const families: Family[] = t === 'A' ? ['ipv4'] : t === 'AAAA' ? ['ipv6'] : t === 'ANY' ? ['ipv4', 'ipv6'] : [];
      const zoneName = cluster ? clusterZone(cluster, apex) : apex;
      // NODATA for other types — after the CNAME, if any, with the target zone's SOA (RFC 2308 §2.2).
      if (families.length === 0) return { ...negative(ctx, 'NOERROR', zoneName), answers: a.answers };
      const candidates = preferCluster(deps.directory.liveSeeds({ near: resolverIp, count: deps.limits.candidatePool, service: 'proxy' }), cluster);
      if (candidates.length === 0) return empty('SERVFAIL', false);
      for (const f of families) addressRecords(owner, pickProxies(candidates, f, deps.limits, deps.rng, cluster), f, deps.limits.answerTtlSec, a.answers);
      if (a.answers.length === 0 || (a.answers.length === 1 && a.answers[0].data.type === 'CNAME')) {
        const n = negative(ctx, 'NOERROR', zoneName);
        return { ...n, answers: a.answers };
      }
      if (cluster) delegation(ctx, zoneName, cluster, a.authorities, a.additionals);
      return a;
    }
  }
}

type Ctx = { q: DnsQuery; resolverIp: string; deps: AnswerDeps };

function positive(): Answer {
  return empty('NOERROR', true);
}

/** NXDOMAIN or NODATA: the SOA of the enclosing zone in the authority section, for negative caching. */
function negative(ctx: Ctx, rcode: 'NOERROR' | 'NXDOMAIN', zoneName: string): Answer {
  const s = soa(ctx, zoneName);
  return { ...empty(rcode, true), authorities: [{ ...s, ttlSec: Math.min(s.ttlSec, ctx.deps.limits.negativeTtlSec) }], negative: true };
}

function soa(ctx: Ctx, zoneName: string): ResourceRecord {
  const { deps } = ctx;
  const self = deps.directory.self();
  return {
    name: zoneName,
    ttlSec: deps.limits.soaTtlSec,
    data: { type: 'SOA', mname: nameserverHost(self.id, deps.zone), rname: `hostmaster.${normalizeName(deps.zone)}`, serial: deps.serial, refreshSec: 300, retrySec: 60, expireSec: 86_400, minimumSec: deps.limits.negativeTtlSec },
  };
}

/**
 * NS records for `zoneName` and their glue: live nameservers near the resolver. For a cluster zone only
 * the cluster's own (best-matching) nameservers, so the resolver sticks to them — padded with the
 * nearest others only while the cluster has fewer than minNameservers live.
 */
function delegation(ctx: Ctx, zoneName: string, cluster: ClusterLabels | undefined, nsOut: ResourceRecord[], glueOut: ResourceRecord[]): void {
  const { deps } = ctx;
  const pool = preferCluster(deps.directory.liveSeeds({ near: ctx.resolverIp, count: deps.limits.candidatePool, service: 'dns' }), cluster);
  const tier = pool.length && cluster ? clusterMatch(pool[0], cluster) : 0;
  let n = tier > 0 ? pool.filter((s) => clusterMatch(s, cluster) === tier).length : pool.length;
  n = Math.min(pool.length, deps.limits.maxNameservers, Math.max(n, deps.limits.minNameservers));
  const servers = pool.slice(0, n);
  for (const s of servers) {
    const host = nameserverHost(s.id, deps.zone);
    nsOut.push({ name: zoneName, ttlSec: deps.limits.nsTtlSec, data: { type: 'NS', target: host } });
    addressRecords(host, [s], 'ipv4', deps.limits.nsTtlSec, glueOut);
    addressRecords(host, [s], 'ipv6', deps.limits.nsTtlSec, glueOut);
  }
}

function addressRecords(owner: string, seeds: SeedInfo[], family: Family, ttlSec: number, out: ResourceRecord[]): void {
  for (const s of seeds) {
    const address = s[family];
    if (address) out.push({ name: owner, ttlSec, data: family === 'ipv4' ? { type: 'A', address } : { type: 'AAAA', address } });
  }
}

/** The cluster a name is answered in: the one it names, else the resolver's (deepest known level). */
function resolverCluster(named: ClusterLabels | undefined, of: { l1?: string; l2?: string } | undefined): ClusterLabels | undefined {
  if (named) return named;
  if (!of?.l1) return undefined;
  return { l1: idLabel(of.l1), ...(of.l2 ? { l2: idLabel(of.l2) } : {}) };
}
