import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptDeadlineError, withinDeadline } from './attempt-deadline.js';

test('work that settles in time settles the attempt, and the deadline never aborts it', async () => {
  const aborts: unknown[] = [];
  assert.equal(await withinDeadline(Promise.resolve('served'), 30, (e) => aborts.push(e)), 'served');
  await assert.rejects(
    withinDeadline(Promise.reject(new Error('upstream 500')), 30, (e) => aborts.push(e)),
    /upstream 500/,
  );
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(aborts, [], 'the timer was cleared');
});

test('work past its deadline is aborted with the deadline error, which the attempt rejects with', async () => {
  const aborts: unknown[] = [];
  const never = new Promise<string>(() => {});
  const error = await withinDeadline(never, 20, (e) => aborts.push(e)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof AttemptDeadlineError);
  assert.equal(error.ms, 20);
  assert.equal(error.message, 'No first token within 20 ms');
  assert.deepEqual(aborts, [error]);
});

test('no deadline (0) hands the work back as is', async () => {
  const work = Promise.resolve(1);
  assert.equal(
    withinDeadline(work, 0, () => assert.fail('no abort')),
    work,
  );
});
