// What this peer holds, in memory: mirrors the ChunkStore's holdings so hello frames, announces and
// serving decisions need no store round trip. Updated on every verified chunk put into the store.
import { bitCount, bitfieldFromIndices, setBit, toTrackerBitfield } from './bitfield';
import type { ChunkMeta, StoreHolding } from './chunk-store';
import type { Holding } from './peer-protocol';

export interface HeldObject {
  integrity: string;
  site: string;
  chunkCount: number;
  have: Uint8Array;
}

export class HeldIndex {
  private readonly objects = new Map<string, HeldObject>();

  load(holdings: StoreHolding[]): void {
    for (const h of holdings) {
      if (h.chunkCount < 1) continue;
      this.objects.set(h.integrity, { integrity: h.integrity, site: h.site, chunkCount: h.chunkCount, have: bitfieldFromIndices(h.chunkCount, h.have) });
    }
  }

  /** Records chunk `index`; returns true if it is new. */
  add(integrity: string, index: number, meta: ChunkMeta): boolean {
    let o = this.objects.get(integrity);
    if (!o || o.chunkCount !== meta.chunkCount) {
      o = { integrity, site: meta.site, chunkCount: meta.chunkCount, have: bitfieldFromIndices(meta.chunkCount, []) };
      this.objects.set(integrity, o);
    }
    const before = o.have[index >> 3];
    setBit(o.have, index);
    return before !== o.have[index >> 3];
  }

  get(integrity: string): HeldObject | undefined {
    return this.objects.get(integrity);
  }

  all(): HeldObject[] {
    return [...this.objects.values()];
  }

  get size(): number {
    return this.objects.size;
  }

  static toHolding(o: HeldObject): Holding {
    return { integrity: o.integrity, chunkCount: o.chunkCount, have: o.have.slice() };
  }

  /** The tracker announcement: a bitfield only when some chunks are missing. */
  static toAnnouncement(o: HeldObject): { integrity: string; chunks?: { count: number; have: string } } {
    return bitCount(o.have) === o.chunkCount ? { integrity: o.integrity } : { integrity: o.integrity, chunks: toTrackerBitfield(o.chunkCount, o.have) };
  }
}
