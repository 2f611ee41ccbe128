import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';

const SCRIPT = fileURLToPath(new URL('./limit-server.test.helper.js', import.meta.url));
const LIMIT = 5000;
const INPUT_ESTIMATE = 40;
const MAX_TOKENS = 60; // reservation per request: 40 + 60 = 100
const ACTUAL = { input: 30, output: 50 }; // each admitted request really uses 80

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(SCRIPT, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [msg] = (await once(child, 'message')) as [{ port: number }];
  return { child, url: `http://127.0.0.1:${msg.port}` };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  await exited;
}

/** Hammer both instances with `total` concurrent-ish requests; return admitted real tokens and per-instance counts. */
async function hammer(urls: string[], total: number) {
  const admitted = urls.map(() => 0);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const url = urls[i % urls.length]!;
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-usage': `${ACTUAL.input},${ACTUAL.output}` },
        body: JSON.stringify({ model: 'm', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'x' }] }),
      });
      await res.arrayBuffer();
      if (res.status === 200) admitted[i % urls.length]!++;
      else assert.equal(res.status, 429);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const requests = admitted.reduce((a, b) => a + b, 0);
  return { admitted, tokens: requests * (ACTUAL.input + ACTUAL.output) };
}

describe('two gateway processes on one redis-server', () => {
  let redis: TestStoreServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  const env = (store: string) => ({
    LIMIT_STORE: store,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `two:${randomUUID()}:`,
    LIMIT_TOKENS: String(LIMIT),
    INPUT_ESTIMATE: String(INPUT_ESTIMATE),
  });

  test('the Redis store enforces one limit: admitted tokens stay within the limit plus one estimate', async () => {
    const shared = env('redis');
    const instances = await Promise.all([start(shared), start(shared)]);
    try {
      const { admitted, tokens } = await hammer(
        instances.map((x) => x.url),
        300,
      );
      assert.ok(tokens <= LIMIT + INPUT_ESTIMATE + MAX_TOKENS, `admitted ${tokens} tokens (${admitted.join(' + ')} requests)`);
      // Not needlessly strict either: at least the reservations that fit before any settlement.
      assert.ok(tokens >= (LIMIT / (INPUT_ESTIMATE + MAX_TOKENS)) * (ACTUAL.input + ACTUAL.output), `only ${tokens} tokens admitted`);
      assert.ok(
        admitted.every((n) => n > 0),
        'both instances served traffic',
      );
    } finally {
      await Promise.all(instances.map((x) => stop(x.child)));
    }
  });

  test('control: per-process memory stores admit about twice the limit', async () => {
    const instances = await Promise.all([start(env('memory')), start(env('memory'))]);
    try {
      const { tokens } = await hammer(
        instances.map((x) => x.url),
        300,
      );
      assert.ok(tokens > LIMIT + INPUT_ESTIMATE + MAX_TOKENS, `memory stores admitted only ${tokens}`);
    } finally {
      await Promise.all(instances.map((x) => stop(x.child)));
    }
  });
});
