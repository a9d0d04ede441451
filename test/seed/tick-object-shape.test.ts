// The held object must really be one of nextTick's queue entries (two async-id symbol keys, then callback and args):
// if a Node upgrade changes how nextTick builds them, holding it no longer protects anything and this says so.
import { expect, it } from 'vitest';
import { heldTickObject, holdTickObjectShape } from '../../shared/platform/tick-object-shape';

it('holds a nextTick queue entry', async () => {
  holdTickObjectShape();
  await new Promise((r) => setImmediate(r));
  const held = heldTickObject() as Record<string | symbol, unknown>;
  expect(held).toBeDefined();
  expect(Object.keys(held)).toEqual(['callback', 'args']);
  const symbols = Object.getOwnPropertySymbols(held).map((s) => s.description);
  expect(symbols).toEqual(['async_id_symbol', 'trigger_async_id_symbol']);
  expect(typeof held.callback).toBe('function');
});
