// vitest globalSetup: the extension tests load the built extension, so build it first (skipped when fresh).
import { buildExtensionIfStale } from './support/build';

export default async function setup(): Promise<void> {
  await buildExtensionIfStale();
}
