// Closes what a test opened, newest first, after each test: browsers, origins, trackers, temp dirs.
import { afterEach } from 'vitest';

const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

export async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const v = await p;
  open.push(v);
  return v;
}

export function onCleanup(close: () => Promise<void>): void {
  open.push({ close });
}
