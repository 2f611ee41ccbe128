import { silentLogger, type Logger } from '@switchyard/core';
import type { PgListenClient, PgListenPool } from '@switchyard/stores';
import { localKeyChannel, type KeyChannel, type KeyNotice } from './key-events.js';
import { encodeNotice, decodeNotice, newOrigin } from './key-notice-codec.js';

/** A NOTIFY as pg delivers it on the listening client. */
export interface PostgresNotification {
  channel: string;
  payload?: string;
}

/** Options of {@link postgresKeyChannel}. */
export interface PostgresKeyChannelOptions {
  /** The pg `Pool`: one client is held for LISTEN, publishes go through `pool.query`. Required. */
  pool: PgListenPool;
  /** NOTIFY channel name (at most 63 bytes; used quoted, so case-sensitive). Defaults to `switchyard_auth_key_events`. */
  channel?: string;
  /** Delay before the first reconnect attempt after the listening connection is lost, in ms; doubled per failure (with jitter). Defaults to 100. */
  reconnectDelayMs?: number;
  /** Upper bound of the reconnect delay, in ms. Defaults to 5000. */
  maxReconnectDelayMs?: number;
  /** Logs lost/restored connections; never receives a secret. Defaults to a silent logger. */
  logger?: Logger;
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;
/** NAMEDATALEN - 1: longer channel names are truncated by LISTEN and rejected by pg_notify. */
const MAX_CHANNEL_BYTES = 63;

function resolveOptions(options: PostgresKeyChannelOptions) {
  if (!options?.pool || typeof options.pool.connect !== 'function' || typeof options.pool.query !== 'function') {
    throw new TypeError('postgresKeyChannel: options.pool must be a pg Pool');
  }
  const channel = options.channel ?? 'switchyard_auth_key_events';
  if (typeof channel !== 'string' || channel === '' || channel.includes('\0') || Buffer.byteLength(channel) > MAX_CHANNEL_BYTES) {
    throw new TypeError(`postgresKeyChannel: options.channel must be a non-empty name of at most ${MAX_CHANNEL_BYTES} bytes`);
  }
  const reconnectDelayMs = options.reconnectDelayMs ?? 100;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 5000;
  if (!Number.isFinite(reconnectDelayMs) || reconnectDelayMs <= 0) throw new TypeError('postgresKeyChannel: options.reconnectDelayMs must be a number > 0');
  if (!Number.isFinite(maxReconnectDelayMs) || maxReconnectDelayMs < reconnectDelayMs) {
    throw new TypeError('postgresKeyChannel: options.maxReconnectDelayMs must be a number >= reconnectDelayMs');
  }
  return { pool: options.pool, channel, reconnectDelayMs, maxReconnectDelayMs, logger: options.logger ?? silentLogger };
}

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // surfaced by ready()
  return { promise, resolve, reject };
}

interface Listening {
  client: PgListenClient;
  /** Stop reacting to the client's events (it is being handed back). */
  detach(): void;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A {@link KeyChannel} over PostgreSQL LISTEN/NOTIFY, for instances that share a database but
 * no Redis: a revocation on one instance invalidates caches and cuts streams on all of them.
 * One pooled client holds LISTEN (keep the pool's `max` one higher than you otherwise would);
 * notices are sent with `SELECT pg_notify($1, $2)`. The publisher applies its own notice
 * locally first and ignores its echo.
 *
 * If the listening connection drops, it reconnects with exponential backoff; once LISTEN is
 * active again the channel delivers a `reset` notice, on which the key manager drops its whole
 * cache and re-checks the keys of in-flight exchanges, since notices sent meanwhile were lost.
 *
 * `ready()` resolves once LISTEN is active (after a drop, once it is active again); the
 * promise of the first attempt rejects if that attempt fails (retries continue).
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const keys = createKeyManager({ store: await PostgresKeyStore.open(pool), channel: postgresKeyChannel({ pool }) });
 * await keys.ready();
 */
export function postgresKeyChannel(options: PostgresKeyChannelOptions): KeyChannel {
  const o = resolveOptions(options);
  const { pool, channel: name, logger } = o;
  const local = localKeyChannel();
  const origin = newOrigin();
  let closed = false;
  let listening: Listening | undefined;
  let everListened = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = deferred();
  let firstAttempt = true;

  const onNotification = (message: PostgresNotification) => {
    if (message?.channel !== name) return;
    const notice = decodeNotice(message.payload, origin);
    if (notice) void local.publish(notice);
  };

  function scheduleReconnect(): void {
    if (closed || timer) return;
    const base = Math.min(o.maxReconnectDelayMs, o.reconnectDelayMs * 2 ** Math.min(failures, 30));
    failures++;
    // Jitter, so instances do not reconnect in lockstep after a database restart.
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    timer = setTimeout(() => {
      timer = undefined;
      void listen();
    }, delay);
    timer.unref?.();
  }

  function failed(err: unknown): void {
    if (firstAttempt) {
      firstAttempt = false;
      pending.reject(err);
      pending = deferred();
    }
    logger.warn({ channel: name, err: (err as Error)?.message, failures }, 'Key channel could not LISTEN; retrying');
    scheduleReconnect();
  }

  async function listen(): Promise<void> {
    if (closed) return;
    let client: PgListenClient;
    try {
      client = await pool.connect();
    } catch (err) {
      failed(err);
      return;
    }
    if (closed) return client.release();
    let lost = false;
    const detach = () => {
      lost = true;
      client.removeListener('notification', onNotification);
      client.removeListener('end', onEnd);
    };
    const onLost = (err?: unknown) => {
      if (lost) return;
      detach();
      // A broken connection must not go back to the pool: release(err) destroys it.
      client.release(err instanceof Error ? err : new Error('Key channel connection ended'));
      if (listening?.client !== client) return;
      listening = undefined;
      pending = deferred();
      logger.warn({ channel: name, err: (err as Error)?.message }, 'Key channel lost its LISTEN connection; reconnecting');
      scheduleReconnect();
    };
    const onEnd = () => onLost();
    // Never removed: an 'error' without a listener would crash the process.
    client.on('error', (err: unknown) => onLost(err));
    client.on('end', onEnd);
    client.on('notification', onNotification);
    try {
      await client.query(`LISTEN ${quoteIdent(name)}`);
    } catch (err) {
      onLost(err);
      failed(err);
      return;
    }
    if (lost) return failed(new Error('Key channel connection ended during LISTEN'));
    if (closed) return release({ client, detach });
    listening = { client, detach };
    failures = 0;
    firstAttempt = false;
    if (everListened) {
      logger.info({ channel: name }, 'Key channel listening again; dropping key caches (notices may have been missed)');
      await local.publish({ type: 'reset' });
    }
    everListened = true;
    pending.resolve();
  }

  async function release({ client, detach }: Listening): Promise<void> {
    detach();
    try {
      // Back to the pool clean, so a later borrower does not receive our notices.
      await client.query(`UNLISTEN ${quoteIdent(name)}`);
      client.release();
    } catch (err) {
      client.release(err instanceof Error ? err : true);
    }
  }

  void listen();

  return {
    async publish(notice: KeyNotice) {
      await local.publish(notice);
      const payload = encodeNotice(notice, origin);
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new Error('postgresKeyChannel: notice too large for NOTIFY');
      await pool.query('SELECT pg_notify($1, $2)', [name, payload]);
    },
    subscribe: (listener) => local.subscribe(listener),
    ready: () => pending.promise,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await local.close();
      const current = listening;
      listening = undefined;
      if (current) await release(current);
    },
  };
}
