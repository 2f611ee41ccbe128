import NodeCache from 'node-cache';
import { silentLogger, type EventBus, type Exchange, type HeaderMap, type Logger, type Principal } from '@switchyard/core';
import { createCredentialCipher, type CredentialCipher } from './credential-cipher.js';
import { unauthorized } from './errors.js';
import { localKeyChannel, type KeyChannel, type KeyNotice } from './key-events.js';
import type { KeyPatch, KeyPolicy, KeyRecord, KeyStore, StoredCredential } from './key-record.js';
import { LiveExchanges } from './live-exchanges.js';
import { credentialHint, generateKeyId, generateSecret, hashesEqual, hashSecret, isWellFormedSecret, keyHint, presentedSecret } from './secret.js';

/** Options of {@link createKeyManager}. */
export interface KeyManagerOptions {
  /** Where keys live (memory, SQLite, PostgreSQL). Required. */
  store: KeyStore;
  /** Server-side secret mixed into key hashes (HMAC key). Changing it invalidates every key. Defaults to '' (plain HMAC-SHA256 keyed with the empty string). */
  pepper?: string;
  /** 32-byte master key (hex or base64) for BYOK credentials. Without it, credential writes fail with a clear error. Defaults to none. */
  masterKey?: string | Uint8Array;
  /** How long a resolved key stays in the local cache, in ms; revocations bypass it. 0 disables the cache. Defaults to 60000. */
  cacheTtlMs?: number;
  /** Write `last_used_at` at most once per this many ms per key (keeps writes off the hot path). Defaults to 60000. */
  touchIntervalMs?: number;
  /** Carries revocations and updates to every instance. Defaults to an in-process channel; use `redisKeyChannel` or `postgresKeyChannel` with many instances. */
  channel?: KeyChannel;
  /** Receives `key.revoked`. Defaults to none. */
  events?: EventBus;
  /** Logger; never receives a secret. Defaults to a silent logger. */
  logger?: Logger;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** A key as resolved for a request. */
export interface ResolvedKey {
  record: KeyRecord;
  /** Provider -> encrypted credential. */
  credentials: ReadonlyMap<string, string>;
}

/** Input of {@link KeyManager.create}. */
export interface NewKey {
  name: string;
  policy?: KeyPolicy;
}

/**
 * Issues, resolves and revokes keys. One manager is shared by the auth middleware and the
 * admin router of an instance, so a revocation through the admin API reaches the cache and
 * the live streams of this instance at once, and other instances through the channel.
 */
export interface KeyManager {
  readonly store: KeyStore;
  /** Resolve the key a request presents; throws the uniform 401. */
  authenticate(headers: HeaderMap): Promise<ResolvedKey>;
  /** Register an in-flight exchange under its key id, to cut it off on revocation. Throws the 401 if the key was revoked meanwhile. */
  track(keyId: string, exchange: Exchange): void;
  /** Create a key; the secret is returned here and never again. */
  create(input: NewKey): Promise<{ record: KeyRecord; secret: string }>;
  get(id: string): Promise<KeyRecord | undefined>;
  list(): Promise<KeyRecord[]>;
  update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined>;
  /** Revoke now, on every instance: caches dropped, in-flight exchanges aborted. */
  revoke(id: string): Promise<KeyRecord | undefined>;
  /** Credentials without their secret: provider, hint, timestamps. */
  credentialHints(id: string): Promise<Omit<StoredCredential, 'ciphertext'>[]>;
  /** Store (or replace) the owner's credential for a provider, encrypted. */
  putCredential(id: string, provider: string, credential: string): Promise<Omit<StoredCredential, 'ciphertext'>>;
  deleteCredential(id: string, provider: string): Promise<boolean>;
  /** The cipher for BYOK credentials, when a master key was given. */
  readonly cipher: CredentialCipher | undefined;
  /** Resolves once revocations from other instances are being received. */
  ready(): Promise<void>;
  /** Stop listening and drop the cache (the store and clients are the caller's). */
  close(): Promise<void>;
}

/** The principal a key record stands for. A fresh object per request. */
export function principalOf(record: KeyRecord): Principal {
  const p = record.policy;
  const principal: Principal = { id: record.id, name: record.name, kind: 'key' };
  if (p.allowedModels) principal.allowedModels = p.allowedModels;
  if (p.allowedProviders) principal.allowedProviders = p.allowedProviders;
  if (p.allowRoutingHeaders !== undefined) principal.allowRoutingHeaders = p.allowRoutingHeaders;
  if (p.allowedMcpProfiles) principal.allowedMcpProfiles = p.allowedMcpProfiles;
  if (p.allowedMcpTools) principal.allowedMcpTools = p.allowedMcpTools;
  if (p.limits) principal.limits = p.limits;
  if (p.routing) principal.routing = p.routing;
  if (p.metadata) principal.metadata = p.metadata;
  return principal;
}

function resolveOptions(options: KeyManagerOptions) {
  if (!options || typeof options.store?.findByHash !== 'function') throw new TypeError('auth-key: options.store must be a KeyStore');
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  if (!Number.isFinite(cacheTtlMs) || cacheTtlMs < 0) throw new TypeError('auth-key: options.cacheTtlMs must be a number >= 0');
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  if (!Number.isFinite(touchIntervalMs) || touchIntervalMs < 0) throw new TypeError('auth-key: options.touchIntervalMs must be a number >= 0');
  return {
    store: options.store,
    pepper: options.pepper ?? '',
    cipher: options.masterKey === undefined || options.masterKey === '' ? undefined : createCredentialCipher(options.masterKey),
    cacheTtlMs,
    touchIntervalMs,
    channel: options.channel ?? localKeyChannel(),
    events: options.events,
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
  };
}

/**
 * Build the key manager.
 * @example
 * const keys = createKeyManager({ store: new SqliteKeyStore(db), masterKey: process.env.SWITCHYARD_AUTH_MASTER_KEY });
 * app.use(apiKeyAuth({ keys }));
 */
export function createKeyManager(options: KeyManagerOptions): KeyManager {
  const o = resolveOptions(options);
  const { store, logger } = o;
  const cache = new NodeCache({ stdTTL: o.cacheTtlMs / 1000, checkperiod: Math.max(1, Math.ceil(o.cacheTtlMs / 1000)), useClones: false });
  const hashOfId = new Map<string, string>();
  const revokedIds = new Set<string>();
  const touchedAt = new Map<string, number>();
  const live = new LiveExchanges();
  // Bumped by every notice: a lookup that started before a notice must not cache what it read.
  let generation = 0;

  const apply = (notice: KeyNotice): void => {
    generation++;
    if (notice.type === 'reset') return resync();
    const hash = hashOfId.get(notice.keyId);
    if (hash !== undefined) {
      cache.del(hash);
      hashOfId.delete(notice.keyId);
    }
    if (notice.type === 'revoked') {
      revokedIds.add(notice.keyId);
      const cut = live.cut(notice.keyId);
      o.events?.emit('key.revoked', { keyId: notice.keyId });
      logger.info({ keyId: notice.keyId, cutExchanges: cut }, 'API key revoked');
    }
  };
  // The channel may have missed notices (its connection dropped): nothing cached survives, and
  // in-flight exchanges whose key was revoked meanwhile are cut once the store says so.
  function resync(): void {
    cache.flushAll();
    hashOfId.clear();
    logger.warn({ liveKeys: live.keyIds().length }, 'Key notices may have been missed; key cache dropped');
    for (const id of live.keyIds()) {
      store.get(id).then(
        (record) => {
          if ((!record || record.status !== 'active') && !revokedIds.has(id)) apply({ type: 'revoked', keyId: id });
        },
        (err: unknown) => logger.warn({ keyId: id, err: (err as Error)?.message }, 'Could not re-check a key after missed notices'),
      );
    }
  }
  const unsubscribe = o.channel.subscribe(apply);

  async function load(hash: string): Promise<ResolvedKey | undefined> {
    const cached = cache.get<ResolvedKey>(hash);
    if (cached) return cached;
    const started = generation;
    const record = await store.findByHash(hash);
    if (!record || !hashesEqual(record.hash, hash)) return undefined;
    const credentials = new Map<string, string>();
    if (record.status === 'active') for (const c of await store.credentials(record.id)) credentials.set(c.provider, c.ciphertext);
    const resolved: ResolvedKey = { record, credentials };
    if (o.cacheTtlMs > 0 && started === generation) {
      cache.set(hash, resolved);
      hashOfId.set(record.id, hash);
    }
    return resolved;
  }

  function touch(id: string): void {
    const now = o.now();
    const last = touchedAt.get(id);
    if (last !== undefined && now - last < o.touchIntervalMs) return;
    touchedAt.set(id, now);
    store.touch(id, now).catch((err: unknown) => logger.warn({ keyId: id, err: (err as Error)?.message }, 'Could not record key use'));
  }

  const hintOf = ({ ciphertext: _c, ...rest }: StoredCredential) => rest;
  const notify = (notice: Extract<KeyNotice, { keyId: string }>) =>
    o.channel.publish(notice).catch((err: unknown) => {
      apply(notice); // at least this instance applies it
      logger.error({ keyId: notice.keyId, err: (err as Error)?.message }, 'Could not broadcast key change');
    });

  return {
    store,
    cipher: o.cipher,
    async authenticate(headers) {
      const secret = presentedSecret(headers);
      if (!secret || !isWellFormedSecret(secret)) {
        logger.debug({ reason: secret ? 'malformed' : 'missing' }, 'API key rejected');
        throw unauthorized();
      }
      const resolved = await load(hashSecret(secret, o.pepper));
      if (!resolved || resolved.record.status !== 'active' || revokedIds.has(resolved.record.id)) {
        logger.debug({ reason: resolved ? 'revoked' : 'unknown', keyId: resolved?.record.id }, 'API key rejected');
        throw unauthorized();
      }
      touch(resolved.record.id);
      return resolved;
    },
    track(keyId, exchange) {
      if (revokedIds.has(keyId)) throw unauthorized();
      live.track(keyId, exchange);
    },
    async create(input) {
      const secret = generateSecret();
      const record: KeyRecord = {
        id: generateKeyId(),
        name: input.name,
        hash: hashSecret(secret, o.pepper),
        hint: keyHint(secret),
        status: 'active',
        createdAt: o.now(),
        policy: input.policy ?? {},
      };
      await store.insert(record);
      logger.info({ keyId: record.id, name: record.name }, 'API key created');
      return { record, secret };
    },
    get: (id) => store.get(id),
    list: () => store.list(),
    async update(id, patch) {
      const record = await store.update(id, patch);
      if (record) await notify({ type: 'updated', keyId: id });
      return record;
    },
    async revoke(id) {
      const record = await store.revoke(id, o.now());
      if (record) await notify({ type: 'revoked', keyId: id });
      return record;
    },
    async credentialHints(id) {
      return (await store.credentials(id)).map(hintOf);
    },
    async putCredential(id, provider, credential) {
      if (!o.cipher) throw new Error('BYOK credentials need a master key (set SWITCHYARD_AUTH_MASTER_KEY)');
      const now = o.now();
      const existing = (await store.credentials(id)).find((c) => c.provider === provider);
      const stored: StoredCredential = {
        provider,
        ciphertext: o.cipher.encrypt(credential, id),
        hint: credentialHint(credential),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await store.putCredential(id, stored);
      await notify({ type: 'updated', keyId: id });
      return hintOf(stored);
    },
    async deleteCredential(id, provider) {
      const deleted = await store.deleteCredential(id, provider);
      if (deleted) await notify({ type: 'updated', keyId: id });
      return deleted;
    },
    ready: () => o.channel.ready(),
    async close() {
      unsubscribe();
      cache.close();
    },
  };
}
