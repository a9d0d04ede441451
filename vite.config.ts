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
    // WebRTC and browser tests race real connection set-up on 2 shared cores: a failure is retried twice before
    // it counts (a real bug fails every attempt; each retry is reported in the output).
    retry: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    globalSetup: ['./test/extension/global-setup.ts'],
  },
}));
