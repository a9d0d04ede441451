// Stable codes for why a packet was refused before any answer logic ran (counted, logged at debug).
export type DnsRejectCode =
  | 'DNS_ERR_TOO_SHORT'
  | 'DNS_ERR_TOO_LARGE'
  | 'DNS_ERR_NOT_QUERY'
  | 'DNS_ERR_BAD_OPCODE'
  | 'DNS_ERR_BAD_COUNTS'
  | 'DNS_ERR_BAD_NAME'
  | 'DNS_ERR_BAD_RECORD'
  | 'DNS_ERR_TRAILING_BYTES'
  | 'DNS_ERR_DECODE'
  | 'DNS_ERR_BAD_SOURCE';

export class DnsError extends Error {
  constructor(
    readonly code: DnsRejectCode | 'DNS_ERR_BIND' | 'DNS_ERR_BAD_ZONE',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
