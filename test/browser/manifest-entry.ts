// Bundled for the browser (export condition "browser") by manifest-in-browser.test.ts and run in Chromium.
import * as manifest from '../../shared/manifest';
import { platform } from '#platform/digest';

(globalThis as unknown as { reef: unknown }).reef = { ...manifest, platform };
