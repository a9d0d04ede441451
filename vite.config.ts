import { defineConfig } from 'vitest/config';
import { extensionConfig, isExtensionMode } from './extension/build/vite-config';

// One config for the extension build (`vite build --mode chromium|chromium-content|firefox|firefox-content`,
// see extension/build/vite-config.ts) and for the test suite.
export default defineConfig(({ mode }) => ({
  ...(isExtensionMode(mode) ? extensionConfig(mode) : {}),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    globalSetup: ['./test/extension/global-setup.ts'],
  },
}));
