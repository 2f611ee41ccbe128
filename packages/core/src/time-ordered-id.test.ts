import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeOrderedId } from './time-ordered-id.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds in an id's first 48 bits. */
const msOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('timeOrderedId', () => {
  it('is a version 7 UUID carrying the time it was made', () => {
    const t = Date.UTC(2026, 11, 5, 6, 0, 0, 123);
    const id = timeOrderedId(t + 10_000_000);
    assert.match(id, V7);
    assert.equal(msOf(id), t + 10_000_000);
  });

  it('sorts as text in the order the ids were made, within a millisecond and across them', () => {
    const t = Date.UTC(2027, 0, 1);
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) ids.push(timeOrderedId(t + Math.floor(i / 1000)));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, V7);
  });

  it('stays increasing when the clock steps back or a millisecond runs out of counter values', () => {
    const t = Date.UTC(2027, 0, 2);
    const ids = [timeOrderedId(t + 5), timeOrderedId(t), timeOrderedId(t + 1)];
    for (let i = 0; i < 4100; i++) ids.push(timeOrderedId(t + 6));
    assert.deepEqual([...ids].sort(), ids);
    assert.ok(msOf(ids.at(-1)!) > t + 6, 'past 4096 ids in one millisecond, the next millisecond is borrowed');
  });

  it('differs between processes made at the same moment: 62 random bits after the counter', () => {
    const tails = new Set<string>();
    for (let i = 0; i < 2000; i++) tails.add(timeOrderedId(Date.UTC(2027, 0, 3)).slice(19));
    assert.equal(tails.size, 2000);
  });
});
