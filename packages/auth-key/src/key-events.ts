import { EventEmitter } from 'node:events';
import type { RedisPubSubClient } from '@switchyard/stores';
import { decodeNotice, encodeNotice, newOrigin } from './key-notice-codec.js';

/**
 * A change every instance must apply at once. Carries the key id only, never a secret.
 * `reset` says "notices may have been missed" (a channel's connection was lost and is back):
 * the key manager then drops its whole cache and re-checks the keys of in-flight exchanges.
 */
export type KeyNotice = { type: 'revoked' | 'updated'; keyId: string } | { type: 'reset' };

/**
 * How key changes reach every instance. The in-process channel is the default; with several
 * instances use {@link redisKeyChannel} or {@link postgresKeyChannel}.
 */
export interface KeyChannel {
  /** Deliver a notice to every subscriber of every instance (including this one). */
  publish(notice: KeyNotice): Promise<void>;
  /** Listen for notices; returns an unsubscribe function. */
  subscribe(listener: (notice: KeyNotice) => void): () => void;
  /** Resolves once the channel receives notices (the Redis subscription is active). */
  ready(): Promise<void>;
  /** Release connections the channel opened itself. */
  close(): Promise<void>;
}

/**
 * The in-process {@link KeyChannel}: right for one instance.
 * @example const channel = localKeyChannel();
 */
export function localKeyChannel(): KeyChannel {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(notice) {
      emitter.emit('notice', notice);
    },
    subscribe(listener) {
      emitter.on('notice', listener);
      return () => emitter.off('notice', listener);
    },
    ready: async () => {},
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

/** Options of {@link redisKeyChannel}. */
export interface RedisKeyChannelOptions {
  /** The ioredis client used to publish. Required. */
  client: RedisPubSubClient;
  /**
   * A second connection for the subscription (a subscribed connection cannot run other
   * commands). Left open on close. Defaults to `client.duplicate()`, closed on close.
   */
  subscriber?: RedisPubSubClient;
  /** Pub/sub channel name. Defaults to `switchyard:auth-key:events`. */
  channel?: string;
}

/**
 * A {@link KeyChannel} over Redis pub/sub, so a revocation on one instance invalidates caches
 * and cuts streams on all of them. The publisher also applies its own notice locally first,
 * so the revoking instance never waits on Redis (and ignores its echo). When the subscriber
 * connection comes back after a drop, subscribers get a `reset` notice (notices may have been
 * missed; the key manager drops its cache).
 *
 * @example
 * const channel = redisKeyChannel({ client: new Redis(process.env.REDIS_URL) });
 * await channel.ready();
 */
export function redisKeyChannel(options: RedisKeyChannelOptions): KeyChannel {
  if (!options?.client || typeof options.client.publish !== 'function') throw new TypeError('redisKeyChannel: options.client must be an ioredis client');
  const name = options.channel ?? 'switchyard:auth-key:events';
  const ownSubscriber = !options.subscriber;
  if (ownSubscriber && typeof options.client.duplicate !== 'function') {
    throw new TypeError('redisKeyChannel: pass options.subscriber, or a client with duplicate()');
  }
  const subscriber = options.subscriber ?? options.client.duplicate!();
  const local = localKeyChannel();
  const origin = newOrigin();
  const onMessage = (channel: string, message: string) => {
    if (channel !== name) return;
    const notice = decodeNotice(message, origin);
    if (notice) void local.publish(notice);
  };
  subscriber.on('message', onMessage);
  let subscribedOnce = false;
  // ioredis reconnects and resubscribes by itself, but messages sent meanwhile are lost: once
  // the subscription is back, tell the manager to drop its cache (a `reset` notice).
  const onReady = () => {
    if (!subscribedOnce) return;
    subscriber.subscribe(name).then(
      () => local.publish({ type: 'reset' }),
      () => {}, // ioredis retries the connection; the next 'ready' tries again
    );
  };
  subscriber.on('ready', onReady);
  const subscribed = subscriber.subscribe(name).then(() => {
    subscribedOnce = true;
  });
  subscribed.catch(() => {}); // surfaced by ready()
  return {
    async publish(notice) {
      await local.publish(notice);
      await options.client.publish(name, encodeNotice(notice, origin));
    },
    subscribe: (listener) => local.subscribe(listener),
    ready: () => subscribed,
    async close() {
      subscriber.off?.('message', onMessage);
      subscriber.off?.('ready', onReady);
      await local.close();
      if (ownSubscriber) await subscriber.quit().catch(() => {});
      else await subscriber.unsubscribe(name).catch(() => {});
    },
  };
}
