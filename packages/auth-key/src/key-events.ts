import { EventEmitter } from 'node:events';

/** A change to a key every instance must apply at once. Carries the key id only, never a secret. */
export interface KeyNotice {
  type: 'revoked' | 'updated';
  keyId: string;
}

/**
 * How key changes reach every instance. The in-process channel is the default; with several
 * instances use {@link redisKeyChannel}.
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

/** The part of an ioredis client the Redis channel uses. */
export interface RedisPubSubClient {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  off?(event: 'message', listener: (channel: string, message: string) => void): unknown;
  quit(): Promise<unknown>;
  duplicate?(): RedisPubSubClient;
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
 * so the revoking instance never waits on Redis.
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
  const onMessage = (channel: string, message: string) => {
    if (channel !== name) return;
    const notice = parseNotice(message);
    if (notice) void local.publish(notice);
  };
  subscriber.on('message', onMessage);
  const subscribed = subscriber.subscribe(name).then(() => undefined);
  subscribed.catch(() => {}); // surfaced by ready()
  return {
    async publish(notice) {
      await local.publish(notice);
      await options.client.publish(name, JSON.stringify(notice));
    },
    subscribe: (listener) => local.subscribe(listener),
    ready: () => subscribed,
    async close() {
      subscriber.off?.('message', onMessage);
      await local.close();
      if (ownSubscriber) await subscriber.quit().catch(() => {});
      else await subscriber.unsubscribe(name).catch(() => {});
    },
  };
}

function parseNotice(message: string): KeyNotice | undefined {
  try {
    const value = JSON.parse(message) as Partial<KeyNotice>;
    if ((value.type === 'revoked' || value.type === 'updated') && typeof value.keyId === 'string') {
      return { type: value.type, keyId: value.keyId };
    }
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}
