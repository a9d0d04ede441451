// The options page: every field saves on change. Units shown to the user (MiB, KiB/s, GiB/month) are converted
// here; storage holds bytes. Full mode asks for the optional `debugger` permission inside the click's gesture.
import browser from 'webextension-polyfill';
import { send } from '../shared/messages';
import { loadOptions, saveOptions, type Options } from '../shared/options';

if (__REEF_FIREFOX__) document.getElementById('full-mode')?.remove(); // Firefox uses its own body filter instead

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const form = document.getElementById('form') as HTMLFormElement;
const status = document.getElementById('status')!;
const field = <T extends HTMLElement>(name: string) => form.elements.namedItem(name) as T;
const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

function fill(o: Options): void {
  field<HTMLInputElement>('enabled').checked = o.enabled;
  field<HTMLTextAreaElement>('seeds').value = o.seeds.join('\n');
  field<HTMLTextAreaElement>('trackers').value = o.trackers.join('\n');
  field<HTMLInputElement>('cacheQuotaMiB').value = String(Math.round(o.cacheQuotaBytes / MiB));
  field<HTMLInputElement>('uploadKiBPerSec').value = String(Math.round(o.uploadBytesPerSec / 1024));
  field<HTMLInputElement>('uploadGiBPerMonth').value = String(o.uploadBytesPerMonth / GiB);
  field<HTMLInputElement>('neverServe').checked = o.neverServe;
  field<HTMLInputElement>('fullMode').checked = o.fullMode;
  field<HTMLInputElement>('allowLoopbackHttp').checked = o.allowLoopbackHttp;
}

function read(): Partial<Options> {
  const num = (name: string) => Number(field<HTMLInputElement>(name).value);
  const patch: Partial<Options> = {
    enabled: field<HTMLInputElement>('enabled').checked,
    seeds: lines(field<HTMLTextAreaElement>('seeds').value).filter((u) => /^https?:\/\//.test(u)),
    trackers: lines(field<HTMLTextAreaElement>('trackers').value).filter((u) => /^wss?:\/\//.test(u)),
    neverServe: field<HTMLInputElement>('neverServe').checked,
    allowLoopbackHttp: field<HTMLInputElement>('allowLoopbackHttp').checked,
  };
  if (num('cacheQuotaMiB') >= 16) patch.cacheQuotaBytes = num('cacheQuotaMiB') * MiB;
  if (num('uploadKiBPerSec') >= 0) patch.uploadBytesPerSec = num('uploadKiBPerSec') * 1024;
  if (num('uploadGiBPerMonth') >= 0) patch.uploadBytesPerMonth = Math.round(num('uploadGiBPerMonth') * GiB);
  return patch;
}

// Saves run one after another: two quick edits must not race each other's read-modify-write of storage.
let saving: Promise<unknown> = Promise.resolve();

form.addEventListener('change', (ev) => {
  saving = saving.then(() => onChange(ev)).catch((err) => (status.textContent = `Not saved: ${(err as Error).message}`));
});

async function onChange(ev: Event): Promise<void> {
  const target = ev.target as HTMLInputElement;
  if (target.name === 'fullMode') {
    let on = target.checked;
    if (on) on = await browser.permissions.request({ permissions: ['debugger' as browser.Manifest.OptionalPermission] });
    else await browser.permissions.remove({ permissions: ['debugger' as browser.Manifest.OptionalPermission] });
    target.checked = on;
    await saveOptions({ fullMode: on });
    await send('background', 'full-mode-changed', null);
    status.textContent = on ? 'Full mode on.' : 'Full mode off: images and media only.';
    return;
  }
  // The form is not re-filled from the result: the user may be typing in another field by now.
  await saveOptions(read());
  status.textContent = 'Saved.';
}

void loadOptions().then(fill);

// Firefox makes MV3 host permissions optional: until the user grants them Reef sees no site's requests. Chromium
// grants them at install, so this section stays hidden there.
const ALL_SITES: browser.Permissions.Permissions = { origins: ['<all_urls>'] };
const siteAccess = document.getElementById('site-access')!;
async function showSiteAccess(): Promise<void> {
  siteAccess.hidden = await browser.permissions.contains(ALL_SITES);
}
document.getElementById('grant-site-access')!.addEventListener('click', () => {
  // request() must run inside the click's gesture: no await before it.
  void browser.permissions
    .request(ALL_SITES)
    .then((granted) => (status.textContent = granted ? 'Site access granted.' : 'Without site access Reef cannot serve anything.'))
    .then(showSiteAccess);
});
void showSiteAccess();
