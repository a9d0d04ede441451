// Bytes delivered to each tab, by source, for the popup. Kept in storage.session so a service worker restart
// does not zero a tab's figures while the tab lives on.
import browser from 'webextension-polyfill';
import type { Source } from '../shared/messages';

export type Tally = Source & { cache: number };
const KEY = 'tabFigures';

export const emptyTally = (): Tally => ({ peer: 0, seed: 0, origin: 0, cache: 0 });

async function readAll(): Promise<Record<string, Tally>> {
  return ((await browser.storage.session.get(KEY))[KEY] as Record<string, Tally> | undefined) ?? {};
}

// Read-modify-write of one storage key: serialise, or parallel image loads would lose updates.
let queue: Promise<unknown> = Promise.resolve();
function serially<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
}

export function addToTab(tabId: number, split: Tally): Promise<void> {
  return serially(() => addToTabNow(tabId, split));
}

async function addToTabNow(tabId: number, split: Tally): Promise<void> {
  const all = await readAll();
  const t = (all[tabId] ??= emptyTally());
  for (const k of Object.keys(t) as Array<keyof Tally>) t[k] += split[k];
  await browser.storage.session.set({ [KEY]: all });
}

export async function tabTally(tabId: number): Promise<Tally> {
  return (await readAll())[tabId] ?? emptyTally();
}

export function forgetTab(tabId: number): Promise<void> {
  return serially(async () => {
    const all = await readAll();
    delete all[tabId];
    await browser.storage.session.set({ [KEY]: all });
  });
}
