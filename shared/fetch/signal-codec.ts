// simple-peer signal payloads <-> the tracker protocol's typed SignalData. Renegotiation and
// transceiver requests are not used by Reef (one data channel, no media) and are dropped.
import type { SignalData } from '../tracker/protocol';
import type { SimplePeerSignal } from './types';

export function toTrackerSignal(s: SimplePeerSignal): SignalData | null {
  if ((s.type === 'offer' || s.type === 'answer') && typeof s.sdp === 'string') return { kind: s.type, sdp: s.sdp };
  if (s.type === 'candidate' && typeof s.candidate === 'object' && s.candidate !== null) {
    const c = s.candidate as { candidate?: unknown; sdpMid?: unknown; sdpMLineIndex?: unknown };
    if (typeof c.candidate !== 'string') return null;
    if (c.candidate === '') return { kind: 'end-of-candidates' };
    return {
      kind: 'candidate',
      candidate: c.candidate,
      sdpMid: typeof c.sdpMid === 'string' ? c.sdpMid : null,
      sdpMLineIndex: typeof c.sdpMLineIndex === 'number' ? c.sdpMLineIndex : null,
    };
  }
  return null;
}

export function fromTrackerSignal(d: SignalData): SimplePeerSignal | null {
  switch (d.kind) {
    case 'offer':
    case 'answer':
      return { type: d.kind, sdp: d.sdp };
    case 'candidate':
      return { type: 'candidate', candidate: { candidate: d.candidate, sdpMid: d.sdpMid ?? null, sdpMLineIndex: d.sdpMLineIndex ?? null } };
    case 'end-of-candidates':
      return null;
  }
}
