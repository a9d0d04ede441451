/** Stable codes for everything wrong with a manifest; `where` is a JSON pointer, plus line:column when known. */
export type ManifestErrorCode =
  | 'too-large'
  | 'bad-json'
  | 'duplicate-key'
  | 'bad-structure'
  | 'unknown-field'
  | 'unsupported-version'
  | 'bad-origin'
  | 'bad-path'
  | 'path-not-normalized'
  | 'duplicate-path'
  | 'bad-integrity'
  | 'unsupported-hash'
  | 'bad-size'
  | 'bad-type'
  | 'bad-chunks'
  | 'too-many-objects'
  | 'bad-signature'
  | 'signature-mismatch'
  | 'untrusted-key'
  | 'expired'
  | 'origin-mismatch';

export class ManifestError extends Error {
  constructor(
    readonly code: ManifestErrorCode,
    readonly where: string,
    detail: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    const at = line !== undefined ? ` (line ${line}, column ${column})` : '';
    super(`${code} at ${where || '/'}${at}: ${detail}`);
    this.name = 'ManifestError';
  }
}

/** JSON pointer segment escaping (RFC 6901). */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
