import type { Manifest } from './types';

/** The file form: stable key order (paths sorted) so regenerated manifests diff cleanly. */
export function serializeManifest(manifest: Manifest): string {
  const objects: Manifest['objects'] = {};
  for (const path of Object.keys(manifest.objects).sort()) objects[path] = manifest.objects[path];
  const { version, origin, serial, issued, expires, nextKeys, signature } = manifest;
  return JSON.stringify({ version, origin, serial, issued, expires, nextKeys, objects, signature }, null, 1) + '\n';
}
