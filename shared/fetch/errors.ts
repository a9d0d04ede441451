// Errors fetchObject throws. On any of them the caller lets the browser load the URL normally.
export type ReefFetchErrorCode =
  | 'unverifiable' // every source answered, none with bytes matching the manifest
  | 'unavailable' // no source answered at all (network errors, HTTP errors)
  | 'bad-request' // the request itself is wrong (range outside the object, bad integrity)
  | 'stopped'; // the engine was stopped during the fetch

export class ReefFetchError extends Error {
  constructor(
    readonly code: ReefFetchErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ReefFetchError';
  }
}
