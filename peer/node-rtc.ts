// simple-peer on node-datachannel's W3C polyfill: the WebRTC the headless peer speaks.
// Two pitfalls handled here (see BROWSER-TESTING.md): simple-peer 9 assigns to `offer.sdp`, a getter
// on the polyfill's description, so createOffer/createAnswer return plain objects; and
// node-datachannel gathers no loopback candidates unless bound to 127.0.0.1 (tests / --bind-address).
import SimplePeer from 'simple-peer';
import * as ndc from 'node-datachannel/polyfill';
import type { CreatePeer, SimplePeerLike } from '../shared/fetch/types';

class PlainDescriptionPeerConnection extends ndc.RTCPeerConnection {
  override async createOffer() {
    const d = await super.createOffer();
    return { type: d.type, sdp: d.sdp };
  }
  override async createAnswer() {
    const d = await super.createAnswer();
    return { type: d.type, sdp: d.sdp };
  }
}

const wrtc = {
  RTCPeerConnection: PlainDescriptionPeerConnection,
  RTCSessionDescription: ndc.RTCSessionDescription,
  RTCIceCandidate: ndc.RTCIceCandidate,
} as unknown as SimplePeer.Options['wrtc'];

export function nodeRtcPeerFactory(opts: { bindAddress?: string } = {}): CreatePeer {
  return ({ initiator, iceServers }) => {
    const config = { iceServers, ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}) } as RTCConfiguration;
    return new SimplePeer({ initiator, wrtc, config, trickle: true }) as unknown as SimplePeerLike;
  };
}
