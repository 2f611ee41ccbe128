// Two "instances" (two pools, two key managers) sharing one PostgreSQL database and no Redis:
// revocations and updates travel over LISTEN/NOTIFY.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { Exchange } from '@switchyard/core';
import { freePort, startPostgres, type TestStoreServer } from '@switchyard/stores/testing';
import type { KeyNotice } from './key-events.js';
import { createKeyManager, type KeyManager } from './key-manager.js';
import type { PgListenPool } from '@switchyard/stores';
import { postgresKeyChannel } from './postgres-key-channel.js';
import { PostgresKeyStore } from './postgres-key-store.js';
import type { KeyChannel } from './key-events.js';

/** A real pool whose connect() the test can hold shut, to keep a lost listener down on purpose. */
function gatedPool(pool: pg.Pool) {
  let gate: Promise<void> | undefined;
  let openGate = () => {};
  let attempted: (() => void) | undefined;
  let last: pg.PoolClient | undefined;
  const wrapped: PgListenPool = {
    query: (sql, params) => pool.query(sql, params as unknown[]),
    async connect() {
      attempted?.();
      if (gate) await gate;
      return (last = await pool.connect());
    },
  };
  return {
    pool: wrapped,
    /** Backend pid of the last client handed out (the listener's). */
    pid: () => (last as unknown as { processID: number }).processID,
    /** Hold the next connects; resolves once one is attempted. */
    shut(): Promise<void> {
      gate = new Promise<void>((resolve) => (openGate = resolve));
      return new Promise<void>((resolve) => (attempted = resolve));
    },
    open() {
      gate = undefined;
      attempted = undefined;
      openGate();
    },
  };
}

/** Resolve when `channel` delivers a notice matching `match`, or fail after `ms`. */
function nextNotice(channel: KeyChannel, match: (n: KeyNotice) => boolean, ms = 1000): Promise<KeyNotice> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching notice within ${ms} ms`));
    }, ms);
    const off = channel.subscribe((notice) => {
      if (!match(notice)) return;
      clearTimeout(timer);
      off();
      resolve(notice);
    });
  });
}

const abortedWithin = (exchange: Exchange, ms: number) =>
  new Promise<void>((resolve, reject) => {
    if (exchange.signal.aborted) return resolve();
    const timer = setTimeout(() => reject(new Error(`exchange not aborted within ${ms} ms`)), ms);
    exchange.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

const newExchange = () => new Exchange({ format: 'openai.chat', body: { model: 'sim-1' }, headers: {} });

let server: TestStoreServer;
let poolA: pg.Pool;
let poolB: pg.Pool;
let gateB: ReturnType<typeof gatedPool>;
let channelA: KeyChannel;
let channelB: KeyChannel;
let keysA: KeyManager;
let keysB: KeyManager;

before(async () => {
  server = await startPostgres();
  poolA = new pg.Pool({ connectionString: server.url, max: 4 });
  poolB = new pg.Pool({ connectionString: server.url, max: 4 });
  gateB = gatedPool(poolB);
  channelA = postgresKeyChannel({ pool: poolA });
  channelB = postgresKeyChannel({ pool: gateB.pool, reconnectDelayMs: 20, maxReconnectDelayMs: 200 });
  // A ten-minute cache: only the NOTIFY can make B see a change in time.
  keysA = createKeyManager({ store: await PostgresKeyStore.open(poolA), channel: channelA, cacheTtlMs: 600_000 });
  keysB = createKeyManager({ store: await PostgresKeyStore.open(poolB), channel: channelB, cacheTtlMs: 600_000 });
  await Promise.all([keysA.ready(), keysB.ready()]);
});

after(async () => {
  gateB?.open();
  await Promise.all([keysA?.close(), keysB?.close()]);
  await Promise.all([channelA?.close(), channelB?.close()]);
  await Promise.all([poolA?.end(), poolB?.end()]);
  await server?.stop();
});

test("a revocation on A is seen by B within one second and cuts B's in-flight exchange; the payload holds no secret", async () => {
  const raw = new pg.Client({ connectionString: server.url });
  await raw.connect();
  const rawPayload = new Promise<string>((resolve) => raw.once('notification', (m) => resolve(m.payload ?? '')));
  await raw.query('LISTEN switchyard_auth_key_events');
  try {
    const { record, secret } = await keysA.create({ name: 'shared' });
    const auth = { authorization: `Bearer ${secret}` };
    await keysB.authenticate(auth); // cached on B for ten minutes
    const inFlight = newExchange();
    keysB.track(record.id, inFlight);

    const seen = nextNotice(channelB, (n) => n.type === 'revoked' && n.keyId === record.id);
    await keysA.revoke(record.id);
    await seen;
    await abortedWithin(inFlight, 1000);
    assert.equal((inFlight.signal.reason as { status: number }).status, 401);
    await assert.rejects(keysB.authenticate(auth), { status: 401 });

    const payload = await rawPayload;
    assert.deepEqual({ ...JSON.parse(payload), origin: undefined }, { type: 'revoked', keyId: record.id, origin: undefined });
    assert.ok(!payload.includes(secret));
  } finally {
    await raw.end();
  }
});

test("an update on A reaches B's cache, and the publisher applies its own notice once (its echo is skipped)", async () => {
  const { record, secret } = await keysA.create({ name: 'narrowed' });
  const auth = { 'x-api-key': secret };
  assert.equal((await keysB.authenticate(auth)).record.policy.allowedModels, undefined);
  const onA: KeyNotice[] = [];
  const off = channelA.subscribe((n) => onA.push(n));

  const seen = nextNotice(channelB, (n) => n.type === 'updated' && n.keyId === record.id);
  await keysA.update(record.id, { policy: { allowedModels: ['sim-1'] } });
  await seen;
  assert.deepEqual((await keysB.authenticate(auth)).record.policy.allowedModels, ['sim-1']);

  // Notifications reach a session in commit order: once B's later notice is on A, A's echo was too.
  const other = await keysA.create({ name: 'marker' });
  const marker = nextNotice(channelA, (n) => n.type === 'updated' && n.keyId === other.record.id);
  await keysB.update(other.record.id, { name: 'marker-2' });
  await marker;
  off();
  assert.equal(onA.filter((n) => n.type === 'updated' && n.keyId === record.id).length, 1);
});

test('the listener reconnects after its backend is terminated, drops the cache, cuts what was revoked meanwhile, and propagates again', async () => {
  const missed = await keysA.create({ name: 'revoked-while-b-was-deaf' });
  const missedAuth = { authorization: `Bearer ${missed.secret}` };
  await keysB.authenticate(missedAuth);
  const inFlight = newExchange();
  keysB.track(missed.record.id, inFlight);
  // Cached on B too, but with nothing in flight: only the cache drop can catch it.
  const idle = await keysA.create({ name: 'idle-revoked-while-b-was-deaf' });
  const idleAuth = { authorization: `Bearer ${idle.secret}` };
  await keysB.authenticate(idleAuth);

  const reconnecting = gateB.shut();
  const listenerPid = gateB.pid();
  const { rows } = await poolA.query('SELECT pg_terminate_backend($1) AS ok', [listenerPid]);
  assert.equal(rows[0].ok, true);
  await reconnecting; // B noticed the loss and is trying to connect again (held by the gate)

  await keysA.revoke(missed.record.id);
  await keysA.revoke(idle.record.id);
  // The notice went nowhere on B: its cache still says active. This is what the reset repairs.
  assert.equal((await keysB.authenticate(missedAuth)).record.status, 'active');
  assert.equal((await keysB.authenticate(idleAuth)).record.status, 'active');
  assert.equal(inFlight.signal.aborted, false);

  const reset = nextNotice(channelB, (n) => n.type === 'reset', 5000);
  gateB.open();
  await reset;
  await keysB.ready();
  assert.notEqual(gateB.pid(), listenerPid);
  await abortedWithin(inFlight, 1000);
  await assert.rejects(keysB.authenticate(missedAuth), { status: 401 });
  await assert.rejects(keysB.authenticate(idleAuth), { status: 401 });

  // And the new LISTEN connection carries later revocations.
  const later = await keysA.create({ name: 'after-reconnect' });
  const laterAuth = { authorization: `Bearer ${later.secret}` };
  await keysB.authenticate(laterAuth);
  const seen = nextNotice(channelB, (n) => n.type === 'revoked' && n.keyId === later.record.id);
  await keysA.revoke(later.record.id);
  await seen;
  await assert.rejects(keysB.authenticate(laterAuth), { status: 401 });
});

test('ready() rejects when the first LISTEN attempt cannot connect; close() stops the retries', async () => {
  const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/none`, connectionTimeoutMillis: 2000 });
  const channel = postgresKeyChannel({ pool, reconnectDelayMs: 50 });
  await assert.rejects(channel.ready());
  await channel.close();
  await pool.end();
});

test('options are validated at start-up', () => {
  assert.throws(() => postgresKeyChannel({} as never), TypeError);
  assert.throws(() => postgresKeyChannel({ pool: poolA, channel: '' }), TypeError);
  assert.throws(() => postgresKeyChannel({ pool: poolA, channel: 'x'.repeat(64) }), TypeError);
  assert.throws(() => postgresKeyChannel({ pool: poolA, reconnectDelayMs: 0 }), TypeError);
  assert.throws(() => postgresKeyChannel({ pool: poolA, reconnectDelayMs: 500, maxReconnectDelayMs: 100 }), TypeError);
});
