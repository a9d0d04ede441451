/** Set by vite.config.ts: true in the Firefox build (no offscreen API, blocking webRequest instead of debugger). */
declare const __REEF_FIREFOX__: boolean;
