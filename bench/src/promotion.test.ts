import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promotedBytes, promotionMeter } from './promotion.js';

const spaces = (oldUsed: number) => ({
  heapSpaceStatistics: [
    { spaceName: 'new_space', spaceUsedSize: 5 },
    { spaceName: 'old_space', spaceUsedSize: oldUsed },
  ],
});

test('promoted bytes add up the old-space growth of scavenges only', () => {
  const bytes = promotedBytes([
    { gcType: 'Scavenge', beforeGC: spaces(1000), afterGC: spaces(1600) },
    { gcType: 'MarkSweepCompact', beforeGC: spaces(5000), afterGC: spaces(2000) },
    { gcType: 'Scavenge', beforeGC: spaces(2000), afterGC: spaces(2100) },
  ]);
  assert.equal(bytes, 700);
});

test('the meter sees objects that outlive scavenges, not garbage that dies young', () => {
  const meter = promotionMeter();
  const start = meter.read();
  let sink = 0;
  for (let i = 0; i < 2_000_000; i++) sink += { i }.i; // dies young
  const young = meter.read() - start;
  const kept: Array<{ i: number; s: string }> = [];
  for (let i = 0; i < 400_000; i++) kept.push({ i, s: `item ${i}` }); // survives every scavenge
  for (let i = 0; i < 2_000_000; i++) sink += { i }.i;
  const old = meter.read() - start - young;
  assert.ok(kept.length > 0 && sink > 0);
  assert.ok(old > 4 * 1024 * 1024, `kept objects promoted: ${old} bytes`);
  assert.ok(young < old / 4, `short-lived objects mostly not promoted: ${young} bytes`);
});
