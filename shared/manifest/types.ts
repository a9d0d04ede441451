/**
 * The Reef hash manifest (version 1), served by a publisher at /.well-known/reef.json.
 * docs/manifest.md is the normative description; this file is its typed form.
 */

export const MANIFEST_VERSION = 1;
export const MANIFEST_WELL_KNOWN_PATH = '/.well-known/reef.json';

/** Parser limits: a manifest beyond these is rejected before any per-object work. */
export const MANIFEST_LIMITS = {
  maxBytes: 32 * 1024 * 1024,
  maxObjects: 200_000,
  maxPathLength: 2048,
  maxTypeLength: 255,
  maxObjectSize: Number.MAX_SAFE_INTEGER,
  minChunkSize: 16 * 1024,
  maxChunkSize: 16 * 1024 * 1024,
  /** An object above this must be chunked, so peers can verify it in bounded memory. */
  maxUnchunkedSize: 16 * 1024 * 1024,
  maxNextKeys: 4,
} as const;

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/** `sha256-<base64 of 32 bytes>`, Subresource Integrity syntax. */
export type Integrity = string;

export interface ManifestObject {
  size: number;
  type: string;
  integrity: Integrity;
  chunkSize?: number;
  chunks?: Integrity[];
}

export interface ManifestSignature {
  alg: 'ed25519';
  /** base64 of the 32-byte Ed25519 public key. */
  publicKey: string;
  /** base64 of the 64-byte signature over the canonical form of the manifest without `signature`. */
  value: string;
}

export interface Manifest {
  version: typeof MANIFEST_VERSION;
  /** The site's origin, e.g. `https://example.com` (scheme, host, port only). */
  origin: string;
  /** Monotonic counter: a relayed manifest older than one already seen is refused. */
  serial?: number;
  /** ISO-8601 instants bounding when a relayed signed manifest may be used. */
  issued?: string;
  expires?: string;
  /** Public keys (base64) the publisher will sign with next: the rotation path. */
  nextKeys?: string[];
  objects: Record<string, ManifestObject>;
  signature?: ManifestSignature;
}
