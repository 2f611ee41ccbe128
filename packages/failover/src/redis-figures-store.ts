import type { RedisClient } from '@switchyard/stores';
import { FIGURE_BUCKET_MS, MAX_FIGURE_WINDOW_MS, type FigureCounts, type ProviderFiguresStore } from './provider-figures.js';

const FIELDS = ['ok', 'fail', 'latencySum', 'latencyCount'] as const;

/**
 * Figures in Redis, shared by every instance: one hash per minute
 * (`<prefix>b:<minute>`, field `provider\tmodel\tcounter`, expiring after an hour) and each
 * instance's in-flight load under `<prefix>load:<instance>` with a short TTL.
 *
 * @example new ProviderFigures({ store: redisFiguresStore({ client: new Redis(url) }) })
 */
export function redisFiguresStore(options: { client: RedisClient; prefix?: string; now?: () => number }): ProviderFiguresStore {
  const { client } = options;
  if (!client || typeof client.multi !== 'function') throw new TypeError('redisFiguresStore: `client` must be an ioredis client');
  const prefix = options.prefix ?? 'switchyard:figures:';
  const now = options.now ?? Date.now;
  const instances = `${prefix}instances`;
  return {
    async add(bucket, deltas) {
      const key = `${prefix}b:${bucket}`;
      const tx = client.multi();
      for (const [name, c] of deltas) for (const f of FIELDS) if (c[f] !== 0) tx.hincrby(key, `${name}\t${f}`, c[f]);
      tx.pexpire(key, MAX_FIGURE_WINDOW_MS + 2 * FIGURE_BUCKET_MS);
      await tx.exec();
    },
    async read(buckets) {
      const hashes = await Promise.all(buckets.map((b) => client.hgetall(`${prefix}b:${b}`)));
      const out = new Map<string, FigureCounts>();
      for (const hash of hashes) {
        for (const [field, value] of Object.entries(hash)) {
          const cut = field.lastIndexOf('\t');
          const name = field.slice(0, cut);
          const counter = field.slice(cut + 1) as (typeof FIELDS)[number];
          if (!FIELDS.includes(counter)) continue;
          let c = out.get(name);
          if (!c) out.set(name, (c = { ok: 0, fail: 0, latencySum: 0, latencyCount: 0 }));
          c[counter] += Number(value) || 0;
        }
      }
      return out;
    },
    async putLoad(instance, load, ttlMs) {
      const at = now();
      const tx = client.multi();
      tx.set(`${prefix}load:${instance}`, JSON.stringify(load), 'PX', ttlMs);
      tx.zadd(instances, at + ttlMs, instance);
      tx.zremrangebyscore(instances, '-inf', at);
      await tx.exec();
    },
    async readLoad() {
      const live = await client.zrangebyscore(instances, now(), '+inf');
      if (live.length === 0) return {};
      const values = await client.mget(...live.map((id) => `${prefix}load:${id}`));
      const total: Record<string, number> = {};
      for (const v of values) {
        if (!v) continue;
        for (const [provider, n] of Object.entries(JSON.parse(v) as Record<string, number>)) total[provider] = (total[provider] ?? 0) + n;
      }
      return total;
    },
  };
}
