/**
 * A gateway instance for the two-process test, run with child_process.fork: Koa, stub auth
 * (every request is key "shared"), rateLimit on the store named by LIMIT_STORE, and a terminal
 * reporting fixed usage (`x-usage`). Sends `{ port }` to the parent once listening.
 */
import { Redis } from 'ioredis';
import Koa from 'koa';
import { toKoa } from '@switchyard/core/koa';
import { terminal } from './harness.test.helper.js';
import { rateLimit } from './koa.js';
import { MemoryLimitStore } from './memory-store.js';
import { RateLimiter } from './rate-limiter.js';
import { RedisLimitStore } from './redis-store.js';

const limit = Number(process.env.LIMIT_TOKENS);
const client = process.env.LIMIT_STORE === 'redis' ? new Redis(process.env.REDIS_URL!) : undefined;
const store = client ? new RedisLimitStore({ client, prefix: process.env.REDIS_PREFIX }) : new MemoryLimitStore();
const limiter = new RateLimiter({ store, onStoreError: 'closed' });

const app = new Koa();
app.use(
  toKoa(async function auth(exchange, next) {
    exchange.principal = { id: 'shared', name: 'shared', kind: 'key', limits: { totalTokensPerHour: limit } };
    await next();
  }),
);
app.use(rateLimit({ limiter, estimateInputTokens: () => Number(process.env.INPUT_ESTIMATE) }));
app.use(toKoa(terminal()));
const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as { port: number }).port });
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
  client?.disconnect();
});
