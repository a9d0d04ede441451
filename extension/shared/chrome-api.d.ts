// The few Chromium-only APIs Reef uses that webextension-polyfill does not type (offscreen, debugger).
// Declared narrowly, only as used, instead of pulling in all of @types/chrome.
interface ChromeDebuggee {
  tabId?: number;
}

interface ChromeApi {
  offscreen: {
    hasDocument(): Promise<boolean>;
    createDocument(opts: { url: string; reasons: string[]; justification: string }): Promise<void>;
    closeDocument(): Promise<void>;
  };
  /** Undefined unless the optional `debugger` permission is granted. */
  debugger?: {
    attach(target: ChromeDebuggee, version: string): Promise<void>;
    detach(target: ChromeDebuggee): Promise<void>;
    sendCommand(target: ChromeDebuggee, method: string, params?: object): Promise<unknown>;
    onEvent: { addListener(fn: (source: ChromeDebuggee, method: string, params?: unknown) => void): void };
    onDetach: { addListener(fn: (source: ChromeDebuggee, reason: string) => void): void };
  };
}

declare const chrome: ChromeApi;
