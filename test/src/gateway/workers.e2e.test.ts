/**
 * `switchyard start --workers 2` without Redis: two processes behind one port behave as one
 * gateway. Limits, round-robin cursors, breaker openings and revocations are shared through the primary, both
 * workers' request logs are read from either, a crashed worker is restarted, SIGTERM drains.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '@switchyard/stores/testing';
import { ADMIN_TOKEN, adminClient, poll } from './helpers.js';

const cli = new URL('../../../packages/gateway/dist/cli.js', import.meta.url).pathname;

let dir: string;
let child: ChildProcess;
let base: string;
let stderr = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-workers-'));
  const configFile = join(dir, 'switchyard.yaml');
  writeFileSync(
    configFile,
    [
      'ai_gateway:',
      '  providers:',
      '    - { name: sim-a, type: simulated, models: [sim-1], latency_ms: 1, tokens_per_second: 0, output_tokens: 4 }',
      '    - { name: sim-b, type: simulated, models: [sim-1], latency_ms: 1, tokens_per_second: 0, output_tokens: 4 }',
      // A slow stream (40 tokens at 20/s: 2 s) for the drain on SIGTERM.
      '    - { name: sim-stream, type: simulated, models: [sim-long], latency_ms: 1, tokens_per_second: 20, output_tokens: 40 }',
      // One model on a provider that always fails and one that never does, for the shared breaker.
      '    - { name: sim-down, type: simulated, models: [sim-flaky], latency_ms: 1, tokens_per_second: 0, output_tokens: 4, error_rate: 1 }',
      '    - { name: sim-up, type: simulated, models: [sim-flaky], latency_ms: 1, tokens_per_second: 0, output_tokens: 4 }',
      '  routing:',
      '    strategy: round-robin',
      '    failover: { circuit_breaker: { failure_threshold: 1 } }',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  child = spawn(process.execPath, [cli, 'start', '--workers', '2', '--port', String(port), '--config', configFile], {
    cwd: dir,
    env: {
      ...process.env,
      SWITCHYARD_AUTH_REQUIRED: 'true',
      SWITCHYARD_ADMIN_TOKEN: ADMIN_TOKEN,
      SWITCHYARD_SQLITE_PATH: join(dir, 'switchyard.db'),
      SWITCHYARD_USAGE_FLUSH_INTERVAL: '100ms',
      SWITCHYARD_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d) => (stderr += d));
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+) .*2 workers/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${stderr}`));
    });
  });
});

after(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(kill);
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  worker: string;
  provider: string;
  body: string;
}

/** One request on a new connection (so the cluster may hand it to either worker). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, agent: false, headers });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One chat completion on a new connection. */
async function chat(key: string, options: { model?: string; stream?: boolean; requestId?: string } = {}): Promise<Answer> {
  const body = JSON.stringify({ model: options.model ?? 'sim-1', max_tokens: 8, stream: options.stream ?? false, messages: [{ role: 'user', content: 'hi' }] });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(options.requestId ? { 'x-request-id': options.requestId } : {}) };
  const res = await send('POST', '/v1/chat/completions', headers, body);
  return {
    status: res.status,
    worker: String(res.headers['x-switchyard-worker'] ?? ''),
    provider: String(res.headers['x-switchyard-provider'] ?? ''),
    body: res.body,
  };
}

const admin = () => adminClient(base);

async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await admin()('POST', '/keys', body);
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

/** Pids of the workers the primary reported started, in order. */
const startedPids = () => [...stderr.matchAll(/"pid":(\d+)[^\n]*"msg":"worker started"/g)].map((m) => Number(m[1]));

test('requests over new connections are served by both workers', async () => {
  const { key } = await createKey({ name: 'spread' });
  const answers = await Promise.all(Array.from({ length: 12 }, () => chat(key)));
  assert.ok(
    answers.every((a) => a.status === 200),
    JSON.stringify(answers.map((a) => a.status)),
  );
  assert.deepEqual(new Set(answers.map((a) => a.worker)), new Set(['1', '2']));
});

test('a requests_per_minute limit holds once across the workers, not once per worker', async () => {
  const { key } = await createKey({ name: 'shared-limit', limits: { requests_per_minute: 7 } });
  const answers = await Promise.all(Array.from({ length: 12 }, () => chat(key)));
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.filter((s) => s === 200).length, 7, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 429).length, 5, JSON.stringify(statuses));
  assert.deepEqual(new Set(answers.map((a) => a.worker)), new Set(['1', '2']));
});

test('limits taken in blocks by each worker never admit more than one limit, and give back what they did not use', async () => {
  const { key } = await createKey({ name: 'blocks', limits: { requests_per_minute: 40, total_tokens_per_hour: 1_000_000 } });
  // Warm both workers' view of the key, then a burst over the limit.
  const first = await Promise.all(Array.from({ length: 4 }, () => chat(key)));
  const burst = await Promise.all(Array.from({ length: 56 }, () => chat(key)));
  const admitted = [...first, ...burst].filter((a) => a.status === 200).length;
  assert.ok(admitted <= 40, `${admitted} admitted over a limit of 40`);
  assert.ok(admitted >= 30, `only ${admitted} of 40 admitted`);
  assert.ok([...first, ...burst].every((a) => a.status === 200 || a.status === 429));
  // Each block is settled by the end of its second: what the workers held and did not hand out is free again.
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const rest = await Promise.all(Array.from({ length: 50 - admitted }, () => chat(key)));
  assert.equal(rest.filter((a) => a.status === 200).length, 40 - admitted, JSON.stringify(rest.map((a) => a.status)));
  assert.doesNotMatch(stderr, /settling a block of requests failed/);
});

test('the round-robin cursor is shared: consecutive requests alternate providers whichever worker serves them', async () => {
  const { key } = await createKey({ name: 'cursor' });
  const answers: Answer[] = [];
  for (let i = 0; i < 8; i++) answers.push(await chat(key));
  assert.ok(answers.every((a) => a.status === 200));
  assert.deepEqual(new Set(answers.map((a) => a.worker)), new Set(['1', '2']));
  const providers = answers.map((a) => a.provider);
  for (let i = 1; i < providers.length; i++) assert.notEqual(providers[i], providers[i - 1], JSON.stringify(providers));
});

test('a breaker one worker opens is honoured by the other: no request reaches the failing provider from either', async () => {
  const { key } = await createKey({ name: 'breaker' });
  // Until the round-robin cursor puts sim-down first once: it fails, its breaker opens, sim-up answers.
  let opened: { worker: string; attempts: string } | undefined;
  for (let i = 0; i < 4 && !opened; i++) {
    const body = JSON.stringify({ model: 'sim-flaky', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    const res = await send('POST', '/v1/chat/completions', { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['x-switchyard-provider'], 'sim-up');
    if (res.headers['x-switchyard-attempts'] === '2') opened = { worker: String(res.headers['x-switchyard-worker']), attempts: '2' };
  }
  assert.ok(opened, 'sim-down was tried first once');
  // Both workers now skip sim-down without a request, whichever of them opened the breaker.
  const answers = await Promise.all(
    Array.from({ length: 12 }, async () => {
      const body = JSON.stringify({ model: 'sim-flaky', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
      const res = await send('POST', '/v1/chat/completions', { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body);
      return {
        status: res.status,
        worker: String(res.headers['x-switchyard-worker']),
        provider: res.headers['x-switchyard-provider'],
        attempts: res.headers['x-switchyard-attempts'],
      };
    }),
  );
  assert.deepEqual(new Set(answers.map((a) => a.worker)), new Set(['1', '2']));
  for (const a of answers) assert.deepEqual([a.status, a.provider, a.attempts], [200, 'sim-up', '1'], JSON.stringify(answers));
});

test('a revoked key is refused by both workers as soon as the revocation is answered', async () => {
  const { id, key } = await createKey({ name: 'revoked' });
  // Both workers have resolved (and cached) the key.
  const before = await Promise.all(Array.from({ length: 8 }, () => chat(key)));
  assert.ok(before.every((a) => a.status === 200));
  assert.deepEqual(new Set(before.map((a) => a.worker)), new Set(['1', '2']));
  assert.equal((await admin()('POST', `/keys/${id}/revoke`)).status, 200);
  const afterRevoke = await Promise.all(Array.from({ length: 8 }, () => chat(key)));
  assert.deepEqual(
    afterRevoke.map((a) => a.status),
    Array(8).fill(401),
  );
  assert.deepEqual(new Set(afterRevoke.map((a) => a.worker)), new Set(['1', '2']));
});

test("the request log read through either worker holds both workers' rows", async () => {
  const { id, key } = await createKey({ name: 'logged' });
  const suffix = Math.random().toString(36).slice(2, 10);
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(key, { requestId: `req-${i}-${suffix}` }).then((a) => ({ ...a, i }))));
  assert.ok(answers.every((a) => a.status === 200));
  const byWorker = new Set(answers.map((a) => a.worker));
  assert.deepEqual(byWorker, new Set(['1', '2']));
  const expected = answers.map((a) => `req-${a.i}-${suffix}`).sort();
  await poll(
    async () => {
      // Each read may be served by either worker: both must answer with every row.
      const logs = await admin()('GET', `/logs?key=${id}&limit=50`);
      assert.equal(logs.status, 200, JSON.stringify(logs.json));
      const seen = (logs.json.data as { clientRequestId?: string }[]).map((r) => r.clientRequestId).sort();
      return JSON.stringify(seen) === JSON.stringify(expected) ? seen : undefined;
    },
    5000,
    100,
  );
});

test('a catalog change made through one worker is seen by every worker once it is answered', async () => {
  const patched = await admin()('PATCH', '/models/sim-a/sim-1', { context_window: 12_345 });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  const reads = await Promise.all(Array.from({ length: 8 }, () => send('GET', '/admin/models/sim-a/sim-1', { authorization: `Bearer ${ADMIN_TOKEN}` })));
  assert.deepEqual(new Set(reads.map((r) => r.headers['x-switchyard-worker'])), new Set(['1', '2']));
  for (const r of reads) assert.equal((JSON.parse(r.body) as { context_window: number }).context_window, 12_345, r.body);
});

test('a crashed worker is logged and restarted; the gateway keeps serving', async () => {
  const { key } = await createKey({ name: 'crash' });
  const [victim] = startedPids();
  assert.ok(victim, stderr);
  process.kill(victim, 'SIGKILL');
  await poll(async () => (/"signal":"SIGKILL"[^\n]*"msg":"worker exited; restarting it"/.test(stderr) ? true : undefined), 10_000, 50);
  await poll(async () => (startedPids().length >= 3 ? true : undefined), 20_000, 100);
  const answers = await Promise.all(Array.from({ length: 8 }, () => chat(key)));
  assert.ok(
    answers.every((a) => a.status === 200),
    JSON.stringify(answers.map((a) => a.status)),
  );
  assert.equal(new Set(answers.map((a) => a.worker)).size, 2);
});

test('SIGTERM lets in-flight streams on the workers finish, then the primary exits 0', async () => {
  const { key } = await createKey({ name: 'drain' });
  const streams = Array.from({ length: 4 }, () => chat(key, { model: 'sim-long', stream: true }));
  // Let the streams start before the signal.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const answers = await Promise.all(streams);
  for (const a of answers) {
    assert.equal(a.status, 200);
    assert.match(a.body, /data: \[DONE\]/);
  }
  assert.deepEqual(new Set(answers.map((a) => a.worker)).size, 2, 'both workers drained a stream');
  assert.equal(await exited, 0);
  assert.match(stderr, /"msg":"shutting down: draining workers"/);
});
