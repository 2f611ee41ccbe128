// The "second gateway process" of redis-revocation.test.ts: an auth server sharing the SQLite
// file and Redis of the first. Inert unless forked with AUTH_KEY_WORKER=1.
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { toKoa } from '@switchyard/core/koa';
import { listen, terminal } from './harness.test.js';
import { redisKeyChannel } from './key-events.js';
import { createKeyManager } from './key-manager.js';
import { apiKeyAuth } from './koa.js';
import { SqliteKeyStore } from './sqlite-key-store.js';

if (process.env.AUTH_KEY_WORKER === '1' && process.send) {
  const db = new Database(process.env.AUTH_KEY_DB!);
  const client = new Redis(process.env.AUTH_KEY_REDIS!);
  const channel = redisKeyChannel({ client });
  // A long cache TTL: only the pub/sub notice can make this process see the revocation in time.
  const keys = createKeyManager({ store: new SqliteKeyStore(db), channel, cacheTtlMs: 600_000 });
  await keys.ready();
  const app = new Koa();
  app.use(apiKeyAuth({ keys }));
  app.use(toKoa(terminal()));
  const served = await listen(app.callback());
  process.send({ url: served.url });
  process.on('disconnect', async () => {
    await served.close();
    await keys.close();
    await channel.close();
    await client.quit();
    db.close();
  });
}
