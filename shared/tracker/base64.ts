// Base64 and hex for the tracker protocol, on @scure/base (strict: non-canonical input is refused).
import { base64, hex } from '@scure/base';

export const bytesToBase64 = (bytes: Uint8Array): string => base64.encode(bytes);

/** Returns null for anything that is not canonical padded base64 (never throws). */
export function base64ToBytes(text: string): Uint8Array | null {
  try {
    return base64.decode(text);
  } catch {
    return null;
  }
}

export const bytesToHex = (bytes: Uint8Array): string => hex.encode(bytes);
