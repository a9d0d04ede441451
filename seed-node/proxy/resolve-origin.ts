// Name → one checked address. Every address the name has must be allowed, so a name that mixes a public and
// a private address cannot slip through; the connection then goes to the checked address only.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isForbiddenAddress } from './address-guard';
import { ProxyError } from './errors';

export type ResolveHost = (host: string) => Promise<string[]>;

export const defaultResolveHost: ResolveHost = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export async function resolveOrigin(host: string, resolve: ResolveHost, allowPrivate: boolean): Promise<string> {
  let addrs: string[];
  if (isIP(host)) addrs = [host];
  else {
    try {
      addrs = await resolve(host);
    } catch (err) {
      throw new ProxyError('resolve-failed', `${host}: ${(err as Error).message}`);
    }
  }
  if (addrs.length === 0) throw new ProxyError('resolve-failed', `${host} has no address`);
  if (!allowPrivate) {
    const bad = addrs.find(isForbiddenAddress);
    if (bad !== undefined) throw new ProxyError('private-origin', `${host} resolves to ${bad}, a private or reserved address`);
  }
  return addrs[0];
}
