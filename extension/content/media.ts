// Default-mode content script (document_start, every frame of http(s) pages). For a page of an opted-in site it
// swaps the URLs of listed images and media (img src/srcset, picture sources, video/audio src and <source>,
// poster) for blob: URLs of bytes Reef verified. The background blocks the page's own requests for those URLs;
// when Reef cannot deliver, this script fetches the normal origin response itself (an XHR-type request the
// blocking rules do not match), so the page always ends up with the publisher's bytes or the origin's answer.
import { base64 } from '@scure/base';
import { send, type SitePlan } from '../shared/messages';
import { rewriteCssImages } from './css-images';

const MEDIA_SELECTOR = 'img, video, audio, source';
const handled = new WeakMap<Element, string>();
const blobs = new Map<string, Promise<string | null>>();
/** What happened on this page (visible in the content script's console context when debugging). */
const counters = { reef: 0, fallback: 0, failed: 0 };

const planReady: Promise<SitePlan | null> = /^https?:$/.test(location.protocol)
  ? send('background', 'site-plan', { origin: location.origin }).catch(() => null)
  : Promise.resolve(null);

function listed(plan: SitePlan, raw: string | null, base = document.baseURI): string | null {
  if (!raw || raw.startsWith('blob:') || raw.startsWith('data:')) return null;
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return null;
  }
  if (url.origin !== plan.origin || url.search || url.hash) return null;
  return Object.hasOwn(plan.objects, url.pathname) ? url.href : null;
}

/** A blob: URL with the object's bytes: Reef's verified bytes, else the origin's own response. One per URL. */
function blobFor(url: string): Promise<string | null> {
  let p = blobs.get(url);
  if (!p) {
    p = (async () => {
      const res = await send('background', 'get-object', { url }).catch(() => null);
      if (res?.ok) {
        counters.reef++;
        return URL.createObjectURL(new Blob([base64.decode(res.body) as Uint8Array<ArrayBuffer>], { type: res.type }));
      }
      try {
        const origin = await fetch(url, { credentials: 'include' });
        if (!origin.ok) throw new Error(String(origin.status));
        counters.fallback++;
        return URL.createObjectURL(await origin.blob());
      } catch {
        counters.failed++;
        return null;
      }
    })();
    blobs.set(url, p);
  }
  return p;
}

async function rewrite(el: Element, attr: 'src' | 'poster', url: string): Promise<void> {
  if (handled.get(el) === attr + url) return;
  handled.set(el, attr + url);
  const blob = await blobFor(url);
  if (!blob || el.getAttribute(attr) === blob) return;
  el.setAttribute(attr, blob);
  // A <source> is read when its media element (re)loads.
  if (el instanceof HTMLSourceElement && el.parentElement instanceof HTMLMediaElement) el.parentElement.load();
}

/** srcset: the browser picks a candidate; once it has (and the blocked load failed), serve that one. */
async function rewriteChosen(img: HTMLImageElement, url: string): Promise<void> {
  if (handled.get(img) === 'chosen' + url) return;
  handled.set(img, 'chosen' + url);
  const blob = await blobFor(url);
  if (!blob) return;
  if (img.parentElement instanceof HTMLPictureElement)
    for (const s of img.parentElement.querySelectorAll('source')) s.removeAttribute('srcset');
  img.removeAttribute('srcset');
  img.src = blob;
}

function scan(plan: SitePlan, el: Element): void {
  if (el instanceof HTMLImageElement && !el.hasAttribute('srcset') && !(el.parentElement instanceof HTMLPictureElement)) {
    const url = listed(plan, el.getAttribute('src'));
    if (url) void rewrite(el, 'src', url);
  } else if (el instanceof HTMLMediaElement || (el instanceof HTMLSourceElement && el.parentElement instanceof HTMLMediaElement)) {
    const url = listed(plan, el.getAttribute('src'));
    if (url) void rewrite(el, 'src', url);
    if (el instanceof HTMLVideoElement) {
      const poster = listed(plan, el.getAttribute('poster'));
      if (poster) void rewrite(el, 'poster', poster);
    }
  }
}

function scanTree(plan: SitePlan, root: ParentNode): void {
  if (root instanceof Element && root.matches(MEDIA_SELECTOR)) scan(plan, root);
  for (const el of root.querySelectorAll(MEDIA_SELECTOR)) scan(plan, el);
}

// Attached before the first element exists: a blocked load's error event tells which srcset candidate was chosen.
document.addEventListener(
  'error',
  (ev) => {
    const img = ev.target;
    if (!(img instanceof HTMLImageElement)) return;
    void planReady.then((plan) => {
      const url = plan && listed(plan, img.currentSrc || img.getAttribute('src'));
      if (plan && url) void rewriteChosen(img, url);
    });
  },
  true,
);

void planReady.then((plan) => {
  if (!plan || Object.keys(plan.objects).length === 0) return;
  scanTree(plan, document);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes' && r.target instanceof Element) scan(plan, r.target);
      for (const n of r.addedNodes) if (n instanceof Element) scanTree(plan, n);
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['src', 'poster', 'srcset'] });
  // Style sheets: once parsed (DOMContentLoaded), when all have loaded, and whenever a later one loads.
  const css = () => void rewriteCssImages((raw, base) => listed(plan, raw, base), blobFor);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', css, { once: true });
  else css();
  window.addEventListener('load', css, { once: true });
  document.addEventListener('load', (ev) => ev.target instanceof HTMLLinkElement && css(), true);
});
