import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveList } from './live-list.js';

test('add and delete in any order; values() lists what is left', () => {
  const list = new LiveList<string>();
  const a = list.add('a');
  const b = list.add('b');
  const c = list.add('c');
  assert.equal(list.size, 3);
  assert.equal(list.delete(a), true);
  assert.deepEqual(list.values().sort(), ['b', 'c']);
  assert.equal(list.delete(c), true);
  assert.deepEqual(list.values(), ['b']);
  assert.equal(list.delete(b), true);
  assert.equal(list.size, 0);
});

test('deleting twice is a no-op and never removes another entry', () => {
  const list = new LiveList<number>();
  const first = list.add(1);
  list.add(2);
  assert.equal(list.delete(first), true);
  assert.equal(list.delete(first), false);
  assert.deepEqual(list.values(), [2]);
});

test('an entry of another list is not removed', () => {
  const one = new LiveList<number>();
  const other = new LiveList<number>();
  const entry = one.add(1);
  other.add(2);
  assert.equal(other.delete(entry), false);
  assert.deepEqual(other.values(), [2]);
  assert.deepEqual(one.values(), [1]);
});

test('values() is a copy: deleting while walking it visits every item once', () => {
  const list = new LiveList<number>();
  const entries = [1, 2, 3, 4].map((n) => list.add(n));
  const seen: number[] = [];
  for (const value of list.values()) {
    seen.push(value);
    list.delete(entries[value - 1]!);
  }
  assert.deepEqual(seen.sort(), [1, 2, 3, 4]);
  assert.equal(list.size, 0);
});
