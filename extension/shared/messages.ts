// The one runtime-message envelope, `{target, type, data}`, and the typed map of every request and its reply.
// Caller and callee both use these types, so a renamed field breaks the build rather than a message at run time.
// Extension messaging is JSON in Chromium: bytes travel as base64.
import browser from 'webextension-polyfill';
import type { EngineStats } from '../../shared/fetch/types';
import type { ManifestObject } from '../../shared/manifest';
import type { Options } from './options';

export type Source = { peer: number; seed: number; origin: number };

export interface Figures {
  /** Bytes delivered to pages, by where they came from. */
  bytes: Source & { cache: number };
  peersConnected: number;
  uploadedBytes: number;
  uploadUsedThisMonth: number;
  /** The engine's own counters (tracker state, bad peers, rejects...), when it runs. */
  engine?: EngineStats;
}

export type FetchResult =
  | {
      ok: true;
      /** base64 of the verified object. */
      body: string;
      type: string;
      size: number;
      /** Where most bytes came from, and the exact split. */
      source: keyof Source | 'cache';
      sources: Source & { cache: number };
    }
  | { ok: false; reason: string };

/** What a page of a site may get through Reef: its listed objects of the types the asking mode handles. */
export interface SitePlan {
  origin: string;
  objects: Record<string, { type: string; size: number }>;
}

export interface Handlers {
  background: {
    /** Content script, document_start: which element URLs on this origin Reef will deliver. */
    'site-plan': { data: { origin: string }; reply: SitePlan | null };
    /** Content script: the verified bytes of one listed object. */
    'get-object': { data: { url: string }; reply: FetchResult };
    'popup-state': { data: { tabId: number | null }; reply: PopupState };
    'set-site-enabled': { data: { origin: string; enabled: boolean }; reply: Options };
    /** Options page after a permission grant: re-evaluate full mode now. */
    'full-mode-changed': { data: null; reply: boolean };
  };
  offscreen: {
    'fetch-object': { data: { site: string; path: string; entry: ManifestObject; originUrl: string; seedProxyUrl?: string }; reply: FetchResult };
    /** Fetch into the cache without handing the bytes back (warming the cache; benchmarks). */
    'prefetch-object': {
      data: { site: string; path: string; entry: ManifestObject; originUrl: string; seedProxyUrl?: string };
      reply: { ok: true; sources: Source & { cache: number }; ms: number } | { ok: false; reason: string };
    };
    /** A page of an opted-in site is starting: open links to holders of some of its objects early. */
    'preconnect': { data: { integrities: string[] }; reply: number };
    'engine-figures': { data: null; reply: Figures };
    /** The offscreen document cannot read storage (only runtime is available there): options are pushed to it. */
    'configure': { data: Options; reply: true };
  };
}

export interface PopupState {
  origin: string | null;
  optedIn: boolean;
  siteEnabled: boolean;
  tab: Source & { cache: number };
  overall: Figures;
  fullMode: boolean;
}

export type Target = keyof Handlers;
export type TypeOf<T extends Target> = keyof Handlers[T] & string;
export type DataOf<T extends Target, K extends TypeOf<T>> = Handlers[T][K] extends { data: infer D } ? D : never;
export type ReplyOf<T extends Target, K extends TypeOf<T>> = Handlers[T][K] extends { reply: infer R } ? R : never;
export interface Envelope<T extends Target = Target, K extends TypeOf<T> = TypeOf<T>> {
  target: T;
  type: K;
  data: DataOf<T, K>;
}

export async function send<T extends Target, K extends TypeOf<T>>(target: T, type: K, data: DataOf<T, K>): Promise<ReplyOf<T, K>> {
  const envelope: Envelope<T, K> = { target, type, data };
  return (await browser.runtime.sendMessage(envelope)) as ReplyOf<T, K>;
}

export type HandlerMap<T extends Target> = {
  [K in TypeOf<T>]: (data: DataOf<T, K>, sender: browser.Runtime.MessageSender) => Promise<ReplyOf<T, K>> | ReplyOf<T, K>;
};

function isEnvelope(msg: unknown): msg is Envelope {
  return typeof msg === 'object' && msg !== null && typeof (msg as Envelope).target === 'string' && typeof (msg as Envelope).type === 'string';
}

/**
 * Attaches a runtime.onMessage listener answering envelopes for `target` with `handlers`. Messages for another
 * target get no answer from this context (returning undefined lets the right context reply).
 */
export function listen<T extends Target>(target: T, handlers: HandlerMap<T>): void {
  browser.runtime.onMessage.addListener((msg: unknown, sender: browser.Runtime.MessageSender) => {
    if (!isEnvelope(msg) || msg.target !== target) return undefined;
    const handler = (handlers as Record<string, (d: unknown, s: browser.Runtime.MessageSender) => unknown>)[msg.type];
    if (!handler) return undefined;
    return Promise.resolve().then(() => handler(msg.data, sender));
  });
}
