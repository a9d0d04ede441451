// The extension manifest for each target, generated at build time so both builds share one source of truth.
import pkg from '../../package.json' with { type: 'json' };

export type BrowserTarget = 'chromium' | 'firefox';

const common = {
  manifest_version: 3,
  name: 'Reef',
  version: pkg.version,
  description: 'Peer-to-peer CDN: fetch verified copies of opted-in sites’ files from other browsers and seeds.',
  action: { default_popup: 'popup/popup.html', default_title: 'Reef' },
  options_ui: { page: 'options/options.html', open_in_tab: true },
  // Manifests are fetched from any site the user visits; the DNR rules and the body filter need host access too.
  host_permissions: ['<all_urls>'],
};

export function extensionManifest(target: BrowserTarget): Record<string, unknown> {
  if (target === 'chromium')
    return {
      ...common,
      minimum_chrome_version: '116',
      permissions: ['storage', 'unlimitedStorage', 'offscreen', 'declarativeNetRequest', 'webNavigation'],
      // Full mode only, asked for from the options page when the user switches it on.
      optional_permissions: ['debugger'],
      background: { service_worker: 'background.js', type: 'module' },
      content_scripts: [
        { matches: ['http://*/*', 'https://*/*'], js: ['content.js'], run_at: 'document_start', all_frames: true },
      ],
    };
  return {
    ...common,
    permissions: ['storage', 'unlimitedStorage', 'webNavigation', 'webRequest', 'webRequestBlocking', 'webRequestFilterResponse'],
    // Firefox's default MV3 policy adds upgrade-insecure-requests, which turns ws:// trackers and the loopback
    // http origins of a local network (the demo, tests) into wss:// and https:// that do not exist there.
    // Spelled out, it is Chromium's default; bytes are verified against the manifest whatever the transport.
    content_security_policy: { extension_pages: "script-src 'self'; object-src 'self'" },
    // No offscreen API in Firefox: the background page itself runs the engine (it has WebRTC).
    background: { scripts: ['vendor/simplepeer.min.js', 'background.js'], type: 'module' },
    browser_specific_settings: {
      gecko: { id: 'reef@reef-cdn.org', strict_min_version: '142.0', data_collection_permissions: { required: ['none'] } },
    },
  };
}
