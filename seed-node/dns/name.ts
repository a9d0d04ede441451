// The Reef name scheme (docs/dns.md):
//   <zone>                                   apex: SOA, NS
//   ns-<seed>.<zone>                         a seed nameserver's address (glue)
//   <origin-host>[.<port>].<zone>            L0 name: proxies near the resolver (or a CNAME to its cluster)
//   l0.<zone>                                empty non-terminal above the cluster zones
//   [l2-<c2>.]l1-<c1>.l0.<zone>              a cluster zone, delegated to that cluster's nameservers
//   <origin-host>[.<port>].[l2-<c2>.]l1-<c1>.l0.<zone>   the same origin, answered inside that cluster
// A trailing all-digit label is the origin port, so an IPv4 origin needs an explicit port
// (1.2.3.4.80.<zone>); otherwise an origin's last label must not be numeric.

export interface ClusterLabels {
  l1: string;
  l2?: string;
}

export interface ReefName {
  originHost: string;
  port?: number;
  cluster?: ClusterLabels;
}

export type ClassifiedName =
  | { kind: 'apex' }
  | { kind: 'l0' }
  | { kind: 'nameserver'; seedLabel: string }
  | { kind: 'cluster-apex'; cluster: ClusterLabels }
  | ({ kind: 'origin' } & ReefName)
  | { kind: 'invalid' };

const LDH_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const PORT_LABEL = /^[1-9][0-9]{0,4}$/;
const CLUSTER_LABEL = /^l([12])-([a-z0-9]{1,40})$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const NS_LABEL = /^ns-([a-z0-9]{1,40})$/;

/** Lowercase, without the trailing dot; names compare case-insensitively (resolvers randomise case). */
export function normalizeName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** A cluster or seed id as a DNS label part: alphanumeric, lowercase, at most 20 characters. */
export function idLabel(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 20) || '0';
}

export function nameserverHost(seedId: string, zone: string): string {
  return `ns-${idLabel(seedId)}.${normalizeName(zone)}`;
}

export function clusterZone(cluster: ClusterLabels, zone: string): string {
  return `${cluster.l2 ? `l2-${cluster.l2}.` : ''}l1-${cluster.l1}.l0.${normalizeName(zone)}`;
}

export function formatReefName(name: ReefName, zone: string): string {
  const port = name.port !== undefined ? `.${name.port}` : '';
  const suffix = name.cluster ? clusterZone(name.cluster, zone) : normalizeName(zone);
  return `${name.originHost}${port}.${suffix}`;
}

let lastZone = '';
let lastApex = '';
/** The server asks with the same zone every time: normalise it once. */
function apexOf(zone: string): string {
  if (zone !== lastZone) {
    lastApex = normalizeName(zone);
    lastZone = zone;
  }
  return lastApex;
}

/** Where a query name sits in the zone; `null` when it is outside the zone (→ REFUSED). */
export function classifyName(qname: string, zone: string): ClassifiedName | null {
  const name = normalizeName(qname);
  const apex = apexOf(zone);
  if (name === apex) return { kind: 'apex' };
  if (!name.endsWith(`.${apex}`)) return null;
  const labels = name.slice(0, -(apex.length + 1)).split('.');
  if (labels.length === 1 && labels[0] === 'l0') return { kind: 'l0' };
  let cluster: ClusterLabels | undefined;
  if (labels[labels.length - 1] === 'l0') {
    labels.pop();
    const l1 = CLUSTER_LABEL.exec(labels.pop() ?? '');
    if (!l1 || l1[1] !== '1') return { kind: 'invalid' };
    cluster = { l1: l1[2] };
    const l2 = CLUSTER_LABEL.exec(labels[labels.length - 1] ?? '');
    if (l2 && l2[1] === '2') {
      labels.pop();
      cluster.l2 = l2[2];
    }
    if (labels.length === 0) return { kind: 'cluster-apex', cluster };
  }
  if (!cluster && labels.length === 1) {
    const ns = NS_LABEL.exec(labels[0]);
    if (ns) return { kind: 'nameserver', seedLabel: ns[1] };
  }
  let port: number | undefined;
  if (labels.length > 1 && PORT_LABEL.test(labels[labels.length - 1])) {
    port = Number(labels.pop());
    if (port > 65535) return { kind: 'invalid' };
  }
  const originHost = labels.join('.');
  if (!LDH_NAME.test(originHost)) return { kind: 'invalid' };
  // No TLD is numeric: a numeric last label is only valid as part of a dotted-quad IPv4 origin.
  if (/^\d+$/.test(labels[labels.length - 1]) && !IPV4.test(originHost)) return { kind: 'invalid' };
  // An origin inside the zone itself would make the proxy fetch from itself.
  if (originHost === apex || originHost.endsWith(`.${apex}`)) return { kind: 'invalid' };
  return { kind: 'origin', originHost, ...(port !== undefined ? { port } : {}), ...(cluster ? { cluster } : {}) };
}

/** Maps a query name or an HTTP Host header (without its own :port) to the origin it stands for. */
export function parseReefName(qname: string, zone: string): ReefName | null {
  const c = classifyName(qname, zone);
  if (!c || c.kind !== 'origin') return null;
  const { kind: _kind, ...name } = c;
  return name;
}
