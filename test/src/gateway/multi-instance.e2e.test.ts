/**
 * ARCHITECTURE.md §6: two gateway processes behind one Redis and one PostgreSQL behave as one gateway:
 * one request budget, revocation seen by every instance at once, one request log.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { freePort, startPostgres, startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { ADMIN_TOKEN, adminClient, poll } from './helpers.js';

const root = new URL('../../../', import.meta.url);
const cli = new URL('packages/gateway/dist/cli.js', root).pathname;

interface Instance {
  name: string;
  child: ChildProcess;
  url: string;
  stderr(): string;
}

let redis: TestStoreServer | undefined;
let postgres: TestStoreServer | undefined;
let dir: string;
const instances: Instance[] = [];
let A: Instance;
let B: Instance;

async function startInstance(name: string, configFile: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'start', '--port', String(port), '--config', configFile], {
    cwd: dir,
    env: {
      ...process.env,
      SWITCHYARD_REDIS_URL: redis!.url,
      SWITCHYARD_POSTGRES_URL: postgres!.url,
      SWITCHYARD_AUTH_REQUIRED: 'true',
      SWITCHYARD_ADMIN_TOKEN: ADMIN_TOKEN,
      SWITCHYARD_SQLITE_PATH: join(dir, `${name}.db`),
      SWITCHYARD_USAGE_FLUSH_INTERVAL: '100ms',
      SWITCHYARD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const instance: Instance = { name, child, url: '', stderr: () => err };
  instances.push(instance);
  instance.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 15 s: ${err}`)), 15_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited ${code}: ${err}`));
    });
  });
  return instance;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-multi-'));
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  const configFile = join(dir, 'switchyard.yaml');
  writeFileSync(
    configFile,
    [
      'ai_gateway:',
      '  providers:',
      '    - { name: sim-a, type: simulated, models: [sim-1], latency_ms: 1, tokens_per_second: 0, output_tokens: 4 }',
      '    - { name: sim-b, type: simulated, models: [sim-1], latency_ms: 1, tokens_per_second: 0, output_tokens: 4 }',
      // A slow stream (60 tokens at 20/s: 3 s) for the revocation of a live exchange.
      '    - { name: sim-stream, type: simulated, models: [sim-long], latency_ms: 1, tokens_per_second: 20, output_tokens: 60 }',
      // One grading costs more than the day's judge budget: the first grading of either instance is the last.
      '    - { name: sim-grader, type: simulated, models: [sim-grade], latency_ms: 1, tokens_per_second: 0, reply: \'{"score": 0.9}\', cost: { input_per_1k: 100, output_per_1k: 100 } }',
      '  routing:',
      '    strategy: round-robin',
      'experiments:',
      '  enabled: true',
      '  judge: { provider: sim-grader, model: sim-grade, sample_rate: 1, daily_budget_usd: 0.5 }',
      '',
    ].join('\n'),
  );
  // Both start at once, as in a rolling deploy: migrations must not race.
  [A, B] = await Promise.all([startInstance('A', configFile), startInstance('B', configFile)]);
});

after(async () => {
  await Promise.all(
    instances.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await Promise.all([redis?.stop(), postgres?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const adminA = () => adminClient(A.url);
const client = (instance: Instance, key: string) => new OpenAI({ baseURL: `${instance.url}/v1`, apiKey: key, maxRetries: 0 });

async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await adminA()('POST', '/keys', body);
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

/** One request; its status (200, 401, 429, …) and Retry-After. */
async function status(instance: Instance, key: string, requestId?: string): Promise<{ status: number; retryAfter?: string | null }> {
  try {
    await client(instance, key).chat.completions.create(
      { model: 'sim-1', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
      { headers: requestId ? { 'x-request-id': requestId } : {} },
    );
    return { status: 200 };
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status) return { status: err.status, retryAfter: err.headers?.get('retry-after') };
    throw err;
  }
}

test("the judge's daily budget is one budget across both instances (added up in Redis)", async () => {
  const { key } = await createKey({ name: 'judged' });
  const judgeRows = async () => ((await adminA()('GET', '/logs?limit=100')).json.data as { strategy: string | null }[]).filter((r) => r.strategy === 'judge');
  assert.equal((await status(A, key)).status, 200);
  await poll(async () => ((await judgeRows()).length === 1 ? true : undefined), 5000, 100);
  for (let i = 0; i < 3; i++) assert.equal((await status(B, key)).status, 200);
  await new Promise((r) => setTimeout(r, 500)); // B's gradings would have run and been logged by now
  assert.equal((await judgeRows()).length, 1, 'B saw the spend of A and graded nothing');
});

test('a requests_per_minute limit is enforced once across both instances', async () => {
  const { key } = await createKey({ name: 'shared-budget', limits: { requests_per_minute: 5 } });
  const results: { on: string; status: number; retryAfter?: string | null }[] = [];
  for (let i = 0; i < 10; i++) {
    const on = i % 2 === 0 ? A : B;
    results.push({ on: on.name, ...(await status(on, key)) });
  }
  const admitted = results.filter((r) => r.status === 200);
  assert.equal(admitted.length, 5, JSON.stringify(results));
  assert.ok(
    results.slice(5).every((r) => r.status === 429 && /^\d+$/.test(r.retryAfter ?? '')),
    JSON.stringify(results),
  );
  assert.deepEqual(
    results.slice(0, 5).map((r) => r.status),
    [200, 200, 200, 200, 200],
  );
  assert.ok(admitted.some((r) => r.on === 'A') && admitted.some((r) => r.on === 'B'));
});

test('a key revoked on A is rejected by B within 1 s, and B cuts its live stream', async () => {
  const { id, key } = await createKey({ name: 'revoked-on-a' });
  // B has seen (and cached) the key.
  assert.equal((await status(B, key)).status, 200);
  assert.equal((await status(A, key)).status, 200);
  const stream = await client(B, key).chat.completions.create({ model: 'sim-long', stream: true, messages: [{ role: 'user', content: 'long' }] });
  const iterator = stream[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).done, false, 'the stream on B has started');

  const revoked = await adminA()('POST', `/keys/${id}/revoke`);
  assert.equal(revoked.status, 200);
  const { elapsedMs } = await poll(async () => ((await status(B, key)).status === 401 ? true : undefined), 1000);
  assert.ok(elapsedMs <= 1000);
  assert.equal((await status(A, key)).status, 401);

  // The live stream on B ends with an in-band error well before its 3 s would have run out.
  await assert.rejects(async () => {
    for (;;) if ((await iterator.next()).done) break;
  }, OpenAI.APIError);
});

test("request logs of both instances are visible from A's /admin/logs", async () => {
  const { id, key } = await createKey({ name: 'logged' });
  const suffix = Math.random().toString(36).slice(2, 10);
  assert.equal((await status(A, key, `req-on-a-${suffix}`)).status, 200);
  assert.equal((await status(B, key, `req-on-b-${suffix}`)).status, 200);
  // B writes its batch within its flush interval (100 ms); A flushes its own before reading.
  const { value: ids } = await poll(
    async () => {
      const logs = await adminA()('GET', `/logs?key=${id}&limit=50`);
      assert.equal(logs.status, 200, JSON.stringify(logs.json));
      // The client's ids are kept as clientRequestId (the log ids are the gateway's own).
      const seen = (logs.json.data as { clientRequestId?: string }[]).map((r) => r.clientRequestId);
      return seen.includes(`req-on-a-${suffix}`) && seen.includes(`req-on-b-${suffix}`) ? seen : undefined;
    },
    3000,
    100,
  );
  assert.equal(ids.length, 2);
  // B's admin API reads the same shared log.
  const fromB = await adminClient(B.url)('GET', `/logs?key=${id}&limit=50`);
  assert.deepEqual((fromB.json.data as { clientRequestId?: string }[]).map((r) => r.clientRequestId).sort(), [...ids].sort());
});
