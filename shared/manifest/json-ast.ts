// A JSON document as an AST (momoa), so the parser can reject duplicate keys and say where each error is.
import { parse as parseJsonAst } from '@humanwhocodes/momoa';
import type { AnyNode, DocumentNode } from '@humanwhocodes/momoa';
import { ManifestError, pointer } from './errors';

export type JsonNode = AnyNode;

export function parseJsonDocument(text: string): DocumentNode {
  try {
    return parseJsonAst(text, { mode: 'json' });
  } catch (err) {
    const e = err as { message?: string; line?: number; column?: number };
    throw new ManifestError('bad-json', '', e.message ?? String(err), e.line, e.column);
  }
}

export function fail(code: ConstructorParameters<typeof ManifestError>[0], where: string, node: JsonNode | undefined, detail: string): never {
  const start = node?.loc?.start;
  throw new ManifestError(code, where, detail, start?.line, start?.column);
}

/** The members of an object node as a map, rejecting duplicate names. */
export function objectMembers(node: JsonNode, where: string): Map<string, JsonNode> {
  if (node.type !== 'Object') fail('bad-structure', where, node, `expected an object, found ${describe(node)}`);
  const out = new Map<string, JsonNode>();
  for (const m of node.members) {
    const name = m.name.type === 'String' ? m.name.value : String((m.name as { name?: string }).name);
    if (out.has(name)) fail('duplicate-key', where + pointer(name), m.name, `"${name}" appears more than once`);
    out.set(name, m.value);
  }
  return out;
}

export function describe(node: JsonNode): string {
  switch (node.type) {
    case 'Object': return 'an object';
    case 'Array': return 'an array';
    case 'String': return 'a string';
    case 'Number': return `the number ${node.value}`;
    case 'Boolean': return `${node.value}`;
    case 'Null': return 'null';
    default: return node.type;
  }
}
