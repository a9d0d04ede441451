// simple-peer on node-datachannel's W3C polyfill: the WebRTC the headless peer speaks.
// Two pitfalls handled here (see BROWSER-TESTING.md): simple-peer 9 assigns to `offer.sdp`, a getter
// on the polyfill's description, so createOffer/createAnswer return plain objects; and
// node-datachannel gathers no loopback candidates unless bound to 127.0.0.1 (tests / --bind-address).
import SimplePeer from 'simple-peer';
import * as ndc from 'node-datachannel/polyfill';
import type { CreatePeer, SimplePeerLike } from '../shared/fetch/types';

class PlainDescriptionPeerConnection extends ndc.RTCPeerConnection {
  // simple-peer decides whether to queue a remote candidate by reading remoteDescription.type, which
  // the polyfill answers from the native side even before a description is set; a candidate added
  // then fails ("remote candidate without ICE transport") and simple-peer destroys the connection.
  // So candidates wait here until our own setRemoteDescription has run.
  private remoteSet = false;
  private readonly early: RTCIceCandidateInit[] = [];

  // libdatachannel negotiates on its own when the data channel is created; simple-peer then sets the
  // same offer again. Skip that redundant second call rather than re-enter native negotiation.
  override async setLocalDescription(d?: RTCSessionDescriptionInit) {
    if (d?.type === 'offer' && this.signalingState === 'have-local-offer') return;
    return super.setLocalDescription(d as RTCSessionDescriptionInit);
  }

  override async setRemoteDescription(d: RTCSessionDescriptionInit) {
    await super.setRemoteDescription(d);
    this.remoteSet = true;
    for (const c of this.early.splice(0)) await super.addIceCandidate(c).catch(() => {});
  }
  override async addIceCandidate(c?: RTCIceCandidateInit | null) {
    if (!this.remoteSet) {
      if (c) this.early.push(c);
      return;
    }
    return super.addIceCandidate(c ?? undefined);
  }
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
