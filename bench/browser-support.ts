// Shared by the browser benchmarks: the built extension in headless Chromium, the real tracker, a real origin.
export { buildExtensionIfStale } from '../test/extension/support/build';
export { launchReefBrowser, type ReefBrowser } from '../test/extension/support/browser';
export { startOrigin, type Origin } from '../test/extension/support/origin';
export { startTracker } from '../test/extension/support/tracker';
export { galleryPage, imagesSettled, noisePng, waitForHolders } from '../test/extension/support/site';
