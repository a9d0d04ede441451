export * from './types';
export * from './errors';
export { parseManifest } from './parse';
export { normalizePath, pathProblem, pathForFile } from './paths';
export { formatSri, parseSri, sriProblem } from './sri';
export { canonicalBytes, checkSignature, generateKeyPair, publicKeyOf, signManifest, type KeyPair } from './signature';
export { decideTrust, type KeyPin, type ManifestSource, type TrustDecision } from './trust';
export { chunkCount, chunkIntegrity, chunkRange, isChunked, matchesIntegrity, verifyChunk, verifyObject } from './verify';
export { serializeManifest } from './serialize';
