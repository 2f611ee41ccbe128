import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prependItem, tryNext, type SyncPull } from './prepend.js';

async function* source(items: number[], closed: string[]) {
  try {
    for (const i of items) yield i;
  } finally {
    closed.push('closed');
  }
}

test('prependItem yields the first item, then the rest', async () => {
  const closed: string[] = [];
  const it = source([1, 2, 3], closed);
  const head = await it.next();
  const out: number[] = [];
  for await (const n of prependItem(head.value as number, it)) out.push(n);
  assert.deepEqual(out, [1, 2, 3]);
  assert.deepEqual(closed, ['closed']);
});

test('stopping early closes the rest (await mode waits for it), even before the first item', async () => {
  const closed: string[] = [];
  const it = source([1, 2, 3], closed);
  const head = await it.next();
  for await (const n of prependItem(head.value as number, it)) {
    assert.equal(n, 1);
    break;
  }
  assert.deepEqual(closed, ['closed']);

  const closed2: string[] = [];
  const it2 = source([1, 2], closed2);
  const head2 = await it2.next();
  const wrapped = prependItem(head2.value as number, it2, 'detach');
  assert.deepEqual(await wrapped.return!(), { done: true, value: undefined });
  assert.deepEqual(await wrapped.next(), { done: true, value: undefined });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed2, ['closed']);
});

/** A source whose first `ready` items are here already (tryNext), the rest only through next(). */
function readySource(items: number[], ready: number) {
  let at = 0;
  const calls = { next: 0 };
  const iterator: AsyncIterator<number> & SyncPull<number> = {
    tryNext: () => (at < ready && at < items.length ? { done: false, value: items[at++]! } : undefined),
    next: async () => {
      calls.next++;
      return at < items.length ? { done: false, value: items[at++]! } : { done: true, value: undefined };
    },
  };
  return { iterator, calls };
}

test('tryNext: the first item, then what the rest already has, never the end', async () => {
  const { iterator } = readySource([2, 3, 4], 2);
  const it = prependItem(1, iterator);
  assert.deepEqual(it.tryNext(), { done: false, value: 1 });
  assert.deepEqual(it.tryNext(), { done: false, value: 2 });
  assert.deepEqual(tryNext(it), { done: false, value: 3 });
  assert.equal(it.tryNext(), undefined);
  assert.deepEqual(await it.next(), { done: false, value: 4 });
  assert.equal(it.tryNext(), undefined);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  // Without tryNext on the rest, only the first item is here at once.
  const plain = prependItem(1, source([2], []));
  assert.deepEqual(plain.tryNext(), { done: false, value: 1 });
  assert.equal(plain.tryNext(), undefined);
  assert.equal(tryNext(source([1], [])), undefined);
});
