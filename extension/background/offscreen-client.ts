// Talking to the offscreen document, creating it on demand. hasDocument() first: creating a second one throws,
// and the service worker may have been restarted while the document lived on. Options are pushed on creation
// and on every change, because the offscreen document cannot read extension storage itself.
import type { DataOf, ReplyOf, TypeOf } from '../shared/messages';
import { send } from '../shared/messages';
import type { Options } from '../shared/options';
import { loadOptions } from '../shared/options';

const OFFSCREEN_URL = 'offscreen/offscreen.html';
let creating: Promise<void> | null = null;
/** Set once the document answered: hasDocument() is a browser round trip, too slow to pay per intercepted object. */
let known = false;
let inProcessConfigured = false;

async function ensureOffscreen(): Promise<void> {
  if (__REEF_FIREFOX__) return;
  // A document being created exists before it listens: wait for the creation under way, not only hasDocument().
  if (creating) return creating;
  if (await chrome.offscreen.hasDocument()) return;
  creating ??= (async () => {
    try {
      await chrome.offscreen.createDocument({
        url: OFFSCREEN_URL,
        reasons: ['WEB_RTC'],
        justification: 'Reef exchanges verified content with other browsers over WebRTC data channels.',
      });
      await configureWhenListening();
    } finally {
      creating = null;
    }
  })();
  await creating;
}

/**
 * createDocument resolves once the document has loaded, which can be before its module script attached the
 * message listener ("Receiving end does not exist"). Retry the first message briefly until it is answered.
 */
async function configureWhenListening(): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
    try {
      await send('offscreen', 'configure', await loadOptions());
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

export async function callOffscreen<K extends TypeOf<'offscreen'>>(type: K, data: DataOf<'offscreen', K>): Promise<ReplyOf<'offscreen', K>> {
  if (__REEF_FIREFOX__) {
    const { offscreenHandlers } = await import('../offscreen/handlers');
    if (!inProcessConfigured && type !== 'configure') {
      inProcessConfigured = true;
      await offscreenHandlers.configure(await loadOptions(), {});
    }
    const handler = offscreenHandlers[type] as (d: DataOf<'offscreen', K>, s: object) => Promise<ReplyOf<'offscreen', K>>;
    return handler(data, {});
  }
  if (known) {
    try {
      return await send('offscreen', type, data);
    } catch (err) {
      // The document went away (closed by the browser): recreate it below and ask once more.
      if (!/receiving end does not exist|could not establish connection/i.test(String((err as Error)?.message ?? err))) throw err;
      known = false;
    }
  }
  await ensureOffscreen();
  const reply = await send('offscreen', type, data);
  known = true;
  return reply;
}

export async function pushOptions(opts: Options): Promise<void> {
  if (__REEF_FIREFOX__ || (await chrome.offscreen.hasDocument())) await callOffscreen('configure', opts);
}
