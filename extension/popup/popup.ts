// The popup: live figures for the active tab and overall, and the per-site on/off switch. Polls the background
// once a second while open (the popup lives only as long as it is shown).
import browser from 'webextension-polyfill';
import { formatBytes } from '../shared/format';
import { send, type PopupState } from '../shared/messages';

const $ = (id: string) => document.getElementById(id)!;

// A test can open the popup as a tab and point it at another tab with ?tab=<id>.
const forcedTab = new URLSearchParams(location.search).get('tab');

async function activeTabId(): Promise<number | null> {
  if (forcedTab) return Number(forcedTab);
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

function render(s: PopupState): void {
  $('site').textContent = s.origin ?? 'no site';
  const box = $('site-enabled') as HTMLInputElement;
  box.checked = s.siteEnabled;
  box.disabled = s.origin === null;
  $('site-status').textContent = s.origin === null ? '' : s.optedIn ? 'This site publishes a Reef manifest.' : 'This site has not opted in to Reef.';
  for (const k of ['peer', 'seed', 'origin', 'cache'] as const) {
    $(`tab-${k}`).textContent = formatBytes(s.tab[k]);
    $(`all-${k}`).textContent = formatBytes(s.overall.bytes[k]);
  }
  $('peers').textContent = String(s.overall.peersConnected);
  $('upload').textContent = formatBytes(s.overall.uploadUsedThisMonth);
  $('mode').textContent = s.fullMode ? '· full mode' : '';
}

async function refresh(): Promise<void> {
  render(await send('background', 'popup-state', { tabId: await activeTabId() }));
  document.body.dataset.ready = 'true';
}

$('site-enabled').addEventListener('change', async (ev) => {
  const origin = $('site').textContent;
  if (!origin) return;
  await send('background', 'set-site-enabled', { origin, enabled: (ev.target as HTMLInputElement).checked });
  await refresh();
});
$('open-options').addEventListener('click', (ev) => {
  ev.preventDefault();
  void browser.runtime.openOptionsPage();
});

void refresh();
setInterval(() => void refresh(), 1000);
