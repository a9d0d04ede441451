// Vite settings for the extension builds, selected by mode:
//   chromium / firefox                  pages (popup, options, offscreen) and the background, ES modules
//   chromium-content / firefox-content  the content script, one classic IIFE file (content scripts cannot be modules)
// Each target builds into its own folder; the content build runs second and adds to it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin, UserConfig } from 'vite';
import { extensionManifest, type BrowserTarget } from './manifest';

export const EXTENSION_MODES = ['chromium', 'chromium-content', 'firefox', 'firefox-content'] as const;
export type ExtensionMode = (typeof EXTENSION_MODES)[number];

const ROOT = resolve(import.meta.dirname, '..');
const REPO = resolve(ROOT, '..');

export function outDirFor(target: BrowserTarget): string {
  return resolve(REPO, target === 'chromium' ? 'dist/extension' : 'dist/extension-firefox');
}

function emitManifest(target: BrowserTarget): Plugin {
  return {
    name: 'reef-extension-manifest',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: JSON.stringify(extensionManifest(target), null, 2) });
      // simple-peer's prebuilt browser file, loaded as a classic script by the offscreen document.
      this.emitFile({ type: 'asset', fileName: 'vendor/simplepeer.min.js', source: readFileSync(resolve(REPO, 'node_modules/simple-peer/simplepeer.min.js')) });
    },
  };
}

export function isExtensionMode(mode: string): mode is ExtensionMode {
  return (EXTENSION_MODES as readonly string[]).includes(mode);
}

export function extensionConfig(mode: ExtensionMode): UserConfig {
  const target: BrowserTarget = mode.startsWith('firefox') ? 'firefox' : 'chromium';
  const shared: UserConfig = {
    root: ROOT,
    base: './',
    publicDir: false,
    logLevel: 'warn',
    define: {
      __REEF_FIREFOX__: JSON.stringify(target === 'firefox'),
      // simple-peer's dependencies expect Node's `global`.
      global: 'globalThis',
    },
    // shared/platform/*.browser.ts through package.json "imports"; browser builds of dependencies.
    resolve: { conditions: ['browser', 'module', 'import', 'default'] },
  };
  const outDir = outDirFor(target);
  if (mode.endsWith('-content'))
    return {
      ...shared,
      build: {
        outDir,
        emptyOutDir: false,
        minify: false,
        target: 'chrome116',
        lib: { entry: resolve(ROOT, 'content/media.ts'), formats: ['iife'], name: 'reefContent', fileName: () => 'content.js' },
      },
    };
  const pages: Record<string, string> = {
    background: resolve(ROOT, 'background/index.ts'),
    popup: resolve(ROOT, 'popup/popup.html'),
    options: resolve(ROOT, 'options/options.html'),
  };
  if (target === 'chromium') pages.offscreen = resolve(ROOT, 'offscreen/offscreen.html');
  return {
    ...shared,
    plugins: [emitManifest(target)],
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      sourcemap: true,
      target: target === 'chromium' ? 'chrome116' : 'firefox142',
      modulePreload: false, // the polyfill would inject an inline script, which MV3 pages forbid
      rollupOptions: {
        input: pages,
        output: { entryFileNames: (c) => (c.name === 'background' ? 'background.js' : 'assets/[name]-[hash].js') },
      },
    },
  };
}
