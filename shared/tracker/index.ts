// Public surface of the shared tracker protocol (used by the tracker, the extension and tests).
export * from './protocol';
export * from './errors';
export * from './content-key';
export * from './index-value';
export { base64ToBytes, bytesToBase64, bytesToHex } from './base64';
