// Stable error codes of the index. Callers branch on these strings; never rename one.
export const INDEX_ERRORS = {
  timeout: 'index-timeout',
  stopped: 'index-stopped',
  notStarted: 'index-not-started',
  badKey: 'index-bad-key',
  valueTooLarge: 'index-value-too-large',
  badTtl: 'index-bad-ttl',
  badLevel: 'index-bad-level',
  payloadTooLarge: 'index-payload-too-large',
  noHandler: 'index-no-handler',
  handlerFailed: 'index-handler-failed',
  badAddress: 'index-bad-address',
  noContacts: 'index-no-contacts',
} as const;

export type IndexErrorCode = (typeof INDEX_ERRORS)[keyof typeof INDEX_ERRORS];

export class IndexError extends Error {
  constructor(
    readonly code: IndexErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}
