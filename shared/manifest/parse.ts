// Strict manifest parser: every rule of docs/manifest.md, each failure a ManifestError with a code and a location.
import type { DocumentNode } from '@humanwhocodes/momoa';
import { ManifestError, pointer } from './errors';
import { describe, fail, objectMembers, parseJsonDocument, type JsonNode } from './json-ast';
import { pathProblem } from './paths';
import { sriProblem } from './sri';
import { MANIFEST_LIMITS, MANIFEST_VERSION, type Manifest, type ManifestObject, type ManifestSignature } from './types';

const TOP_FIELDS = new Set(['version', 'origin', 'serial', 'issued', 'expires', 'nextKeys', 'objects', 'signature']);
const OBJECT_FIELDS = new Set(['size', 'type', 'integrity', 'chunkSize', 'chunks']);
const MIME = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(?:\s*;\s*[a-z0-9!#$&^_.+-]+=(?:[a-z0-9!#$&^_.+-]+|"[^"\\\r\n]*"))*$/i;
const KEY_B64 = /^[A-Za-z0-9+/]{43}=$/;
const SIG_B64 = /^[A-Za-z0-9+/]{86}==$/;

export type ParseInput = string | Uint8Array;

/** Parse and validate a manifest. Throws ManifestError. Does not check the signature (see signature.ts). */
export function parseManifest(input: ParseInput): Manifest {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > MANIFEST_LIMITS.maxBytes)
    throw new ManifestError('too-large', '', `${size} bytes exceeds the limit of ${MANIFEST_LIMITS.maxBytes}`);
  let text: string;
  try {
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new ManifestError('bad-json', '', 'not valid UTF-8');
  }
  const doc: DocumentNode = parseJsonDocument(text);
  return manifestFromAst(doc.body);
}

function manifestFromAst(root: JsonNode): Manifest {
  const top = objectMembers(root, '');
  for (const [name, node] of top)
    if (!TOP_FIELDS.has(name)) fail('unknown-field', pointer(name), node, `unknown field "${name}"`);

  const versionNode = required(top, 'version', root);
  if (versionNode.type !== 'Number' || versionNode.value !== MANIFEST_VERSION)
    fail('unsupported-version', '/version', versionNode, `this Reef understands version ${MANIFEST_VERSION}, found ${describe(versionNode)}`);

  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    origin: parseOrigin(required(top, 'origin', root)),
    objects: parseObjects(required(top, 'objects', root)),
  };
  const serial = top.get('serial');
  if (serial) manifest.serial = integer(serial, '/serial', 0, Number.MAX_SAFE_INTEGER, 'bad-structure');
  for (const field of ['issued', 'expires'] as const) {
    const node = top.get(field);
    if (node) manifest[field] = instant(node, pointer(field));
  }
  if (manifest.issued && manifest.expires && Date.parse(manifest.expires) <= Date.parse(manifest.issued))
    fail('bad-structure', '/expires', top.get('expires'), 'expires must be after issued');
  const nextKeys = top.get('nextKeys');
  if (nextKeys) manifest.nextKeys = parseNextKeys(nextKeys);
  const signature = top.get('signature');
  if (signature) manifest.signature = parseSignature(signature);
  return manifest;
}

function required(members: Map<string, JsonNode>, name: string, parent: JsonNode): JsonNode {
  const node = members.get(name);
  if (!node) fail('bad-structure', pointer(name), parent, `missing required field "${name}"`);
  return node;
}

function parseOrigin(node: JsonNode): string {
  const value = string(node, '/origin', 'bad-origin');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('bad-origin', '/origin', node, `"${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail('bad-origin', '/origin', node, `scheme must be https (or http for local testing), found "${url.protocol}"`);
  if (url.origin !== value)
    fail('bad-origin', '/origin', node, `must be a bare origin; the canonical form is "${url.origin}"`);
  return value;
}

function parseObjects(node: JsonNode): Record<string, ManifestObject> {
  if (node.type !== 'Object') fail('bad-structure', '/objects', node, `expected an object keyed by URL path, found ${describe(node)}`);
  if (node.members.length > MANIFEST_LIMITS.maxObjects)
    fail('too-many-objects', '/objects', node, `${node.members.length} objects exceeds the limit of ${MANIFEST_LIMITS.maxObjects}`);
  const objects: Record<string, ManifestObject> = Object.create(null);
  const members = objectMembers(node, '/objects');
  for (const [path, value] of members) {
    const where = pointer('objects', path);
    if (path.length > MANIFEST_LIMITS.maxPathLength)
      fail('bad-path', where, value, `path longer than ${MANIFEST_LIMITS.maxPathLength} characters`);
    const problem = pathProblem(path);
    if (problem) fail(problem.code, where, value, problem.detail);
    objects[path] = parseObject(value, where);
  }
  return objects;
}

function parseObject(node: JsonNode, where: string): ManifestObject {
  const fields = objectMembers(node, where);
  for (const [name, value] of fields)
    if (!OBJECT_FIELDS.has(name)) fail('unknown-field', where + pointer(name), value, `unknown field "${name}"`);
  const size = integer(required(fields, 'size', node), `${where}/size`, 0, MANIFEST_LIMITS.maxObjectSize, 'bad-size');
  const type = string(required(fields, 'type', node), `${where}/type`, 'bad-type');
  if (type.length > MANIFEST_LIMITS.maxTypeLength || !MIME.test(type))
    fail('bad-type', `${where}/type`, fields.get('type'), `"${type.slice(0, 80)}" is not a MIME type like "image/png"`);
  const integrity = sri(required(fields, 'integrity', node), `${where}/integrity`);
  const entry: ManifestObject = { size, type, integrity };

  const chunkSizeNode = fields.get('chunkSize');
  const chunksNode = fields.get('chunks');
  if (!chunkSizeNode && !chunksNode) {
    if (size > MANIFEST_LIMITS.maxUnchunkedSize)
      fail('bad-chunks', where, node, `objects over ${MANIFEST_LIMITS.maxUnchunkedSize} bytes must carry chunkSize and chunks`);
    return entry;
  }
  if (!chunkSizeNode || !chunksNode) fail('bad-chunks', where, node, 'chunkSize and chunks go together');
  const { minChunkSize, maxChunkSize } = MANIFEST_LIMITS;
  const chunkSize = integer(chunkSizeNode, `${where}/chunkSize`, minChunkSize, maxChunkSize, 'bad-chunks');
  if (chunksNode.type !== 'Array') fail('bad-chunks', `${where}/chunks`, chunksNode, `expected an array, found ${describe(chunksNode)}`);
  const expected = Math.max(1, Math.ceil(size / chunkSize));
  if (chunksNode.elements.length !== expected)
    fail('bad-chunks', `${where}/chunks`, chunksNode, `${size} bytes in chunks of ${chunkSize} needs ${expected} chunk hashes, found ${chunksNode.elements.length}`);
  entry.chunkSize = chunkSize;
  entry.chunks = chunksNode.elements.map((el, i) => sri(el.value, `${where}/chunks/${i}`));
  return entry;
}

function parseSignature(node: JsonNode): ManifestSignature {
  const fields = objectMembers(node, '/signature');
  for (const [name, value] of fields)
    if (!['alg', 'publicKey', 'value'].includes(name)) fail('unknown-field', `/signature/${name}`, value, `unknown field "${name}"`);
  const alg = string(required(fields, 'alg', node), '/signature/alg', 'bad-signature');
  if (alg !== 'ed25519') fail('bad-signature', '/signature/alg', fields.get('alg'), `algorithm "${alg}" is not supported; use "ed25519"`);
  const publicKey = string(required(fields, 'publicKey', node), '/signature/publicKey', 'bad-signature');
  if (!KEY_B64.test(publicKey)) fail('bad-signature', '/signature/publicKey', fields.get('publicKey'), 'expected the base64 of a 32-byte Ed25519 public key');
  const value = string(required(fields, 'value', node), '/signature/value', 'bad-signature');
  if (!SIG_B64.test(value)) fail('bad-signature', '/signature/value', fields.get('value'), 'expected the base64 of a 64-byte Ed25519 signature');
  return { alg: 'ed25519', publicKey, value };
}

function parseNextKeys(node: JsonNode): string[] {
  if (node.type !== 'Array') fail('bad-structure', '/nextKeys', node, `expected an array of base64 public keys, found ${describe(node)}`);
  if (node.elements.length > MANIFEST_LIMITS.maxNextKeys)
    fail('bad-structure', '/nextKeys', node, `at most ${MANIFEST_LIMITS.maxNextKeys} next keys`);
  return node.elements.map((el, i) => {
    const key = string(el.value, `/nextKeys/${i}`, 'bad-structure');
    if (!KEY_B64.test(key)) fail('bad-structure', `/nextKeys/${i}`, el.value, 'expected the base64 of a 32-byte Ed25519 public key');
    return key;
  });
}

function string(node: JsonNode, where: string, code: ConstructorParameters<typeof ManifestError>[0]): string {
  if (node.type !== 'String') fail(code, where, node, `expected a string, found ${describe(node)}`);
  return node.value;
}

function integer(node: JsonNode, where: string, min: number, max: number, code: ConstructorParameters<typeof ManifestError>[0]): number {
  if (node.type !== 'Number' || !Number.isSafeInteger(node.value))
    fail(code, where, node, `expected an integer, found ${describe(node)}`);
  if (node.value < min || node.value > max) fail(code, where, node, `${node.value} is outside ${min}..${max}`);
  return node.value;
}

function sri(node: JsonNode, where: string): string {
  const problem = sriProblem(node.type === 'String' ? node.value : undefined);
  if (problem) fail(problem.code, where, node, problem.detail);
  return (node as { value: string }).value;
}

function instant(node: JsonNode, where: string): string {
  const value = string(node, where, 'bad-structure');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) || Number.isNaN(Date.parse(value)))
    fail('bad-structure', where, node, `"${value.slice(0, 40)}" is not a UTC instant like 2026-01-31T12:00:00Z`);
  return value;
}
