import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prependItem } from './prepend.js';

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
