import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { openStream, post } from './harness.test.js';
import { redisKeyChannel, type KeyChannel } from './key-events.js';
import { createKeyManager, type KeyManager } from './key-manager.js';
import { SqliteKeyStore } from './sqlite-key-store.js';

let redis: TestStoreServer;
let client: Redis;
let channel: KeyChannel;
let db: Database.Database;
let keys: KeyManager;
let worker: ChildProcess;
let workerUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'auth-key-redis-'));

before(async () => {
  redis = await startRedis();
  const file = join(dir, 'keys.db');
  db = new Database(file);
  client = new Redis(redis.url);
  channel = redisKeyChannel({ client });
  keys = createKeyManager({ store: new SqliteKeyStore(db), channel, cacheTtlMs: 600_000 });
  await keys.ready();
  worker = fork(new URL('./revocation-worker.test.js', import.meta.url), [], {
    env: { ...process.env, AUTH_KEY_WORKER: '1', AUTH_KEY_DB: file, AUTH_KEY_REDIS: redis.url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await once(worker, 'message')) as [{ url: string }];
  workerUrl = message.url;
});

after(async () => {
  if (worker?.connected) {
    const exited = once(worker, 'exit');
    worker.disconnect();
    await exited;
  }
  await keys?.close();
  await channel?.close();
  await client?.quit();
  db?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const chat = (stream = false) => ({ model: 'sim-1', messages: [{ role: 'user', content: 'hi' }], stream });

test('a revocation on one process is seen by a second process within one second, and cuts its stream', async () => {
  const { record, secret } = await keys.create({ name: 'shared' });
  const auth = { authorization: `Bearer ${secret}` };
  // The second process resolves (and caches) the key, and holds a stream open with it.
  assert.equal((await post(`${workerUrl}/v1/chat/completions`, chat(), auth)).status, 200);
  const stream = await openStream(`${workerUrl}/v1/chat/completions`, chat(true), auth);
  await stream.readUntil((t) => t.includes('"chunk":0'));

  const revokedAt = Date.now();
  await keys.revoke(record.id);
  const text = await stream.readToEnd();
  assert.match(text, /"type":"authentication_error"/);
  let status = 0;
  while (Date.now() - revokedAt < 1000) {
    status = (await post(`${workerUrl}/v1/chat/completions`, chat(), auth)).status;
    if (status === 401) break;
  }
  assert.equal(status, 401, 'the second process still accepted the key one second after revocation');
});

test('an update on one process reaches the cache of the other', async () => {
  const { record, secret } = await keys.create({ name: 'narrowed' });
  const auth = { 'x-api-key': secret };
  assert.equal((await post(`${workerUrl}/v1/chat/completions`, { ...chat(), model: 'gpt-4o' }, auth)).status, 200);
  const updatedAt = Date.now();
  await keys.update(record.id, { policy: { allowedModels: ['sim-1'] } });
  let status = 0;
  while (Date.now() - updatedAt < 1000) {
    status = (await post(`${workerUrl}/v1/chat/completions`, { ...chat(), model: 'gpt-4o' }, auth)).status;
    if (status === 403) break;
  }
  assert.equal(status, 403);
});
