// Every refusal or failure of the proxy has a stable string code and an HTTP status.
export const PROXY_ERRORS = {
  'method-not-allowed': 405,
  'bad-host': 400,
  'bad-path': 400,
  'open-proxy-refused': 403,
  'http-origin-refused': 403,
  'private-origin': 403,
  'loop-detected': 508,
  'client-quota': 429,
  'origin-quota': 429,
  'resolve-failed': 502,
  'origin-unreachable': 502,
  'origin-timeout': 504,
  'too-large': 502,
  'verify-failed': 502,
  'bad-range': 416,
  'not-cached': 404,
  'internal': 500,
} as const;

export type ProxyErrorCode = keyof typeof PROXY_ERRORS;

export class ProxyError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProxyErrorCode,
    message: string,
  ) {
    super(message);
    this.status = PROXY_ERRORS[code];
  }
}

export function asProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  return new ProxyError('internal', err instanceof Error ? err.message : String(err));
}
