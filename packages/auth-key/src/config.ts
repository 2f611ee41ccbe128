/**
 * The convict fragment of the `auth:` block and its translation into {@link createKeyManager}
 * and {@link apiKeyAuth} options.
 * @module
 */
import { parseDuration } from '@switchyard/core';
import type { ConfiguredKey } from './memory-key-store.js';

/** The validated `auth:` block, as convict returns it. */
export interface AuthKeyConfig {
  required: boolean;
  /** Keys declared in the config: `{ name, key | keyHash, …policy }`. */
  keys: ConfiguredKey[];
  pepper: string;
  master_key: string;
  /** Milliseconds, or a duration string (`60s`). */
  cache_ttl: number | string;
}

/** What {@link authKeyOptionsFromConfig} returns: the block in the key manager's spelling. */
export interface AuthKeyConfigOptions {
  /** Whether every AI request must carry a key (mount {@link apiKeyAuth} then). */
  required: boolean;
  /** Keys to insert into the store once (`MemoryKeyStore.fromConfig(keys)` or insert by hash). */
  keys: ConfiguredKey[];
  /** `createKeyManager`'s `pepper` (undefined when empty). */
  pepper?: string;
  /** `createKeyManager`'s `masterKey` (undefined when empty). */
  masterKey?: string;
  /** `createKeyManager`'s `cacheTtlMs`. */
  cacheTtlMs: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The convict format of `auth.keys`: a list of `{ name, key | keyHash, …policy }`. */
export function declaredKeys(list: unknown): void {
  if (!Array.isArray(list)) throw new Error('must be a list');
  list.forEach((k, i) => {
    if (!isObject(k) || typeof k.name !== 'string' || !k.name) throw new Error(`[${i}].name: is required`);
    if (typeof k.key !== 'string' && typeof k.keyHash !== 'string') throw new Error(`[${i}]: needs "key" (usually \${ENV}) or "keyHash"`);
  });
}

/**
 * The convict schema fragment of the `auth:` block (snake_case as in the config file; one
 * environment variable per scalar, `<prefix>_<KEY>`). Uses core's named formats (`switch`,
 * `sy-duration`): call core's `registerConfigFormats(convict)` once before loading.
 * @example registerConfigFormats(convict); const config = convict({ auth: authKeyConfigSchema('MYAPP_AUTH') });
 */
export function authKeyConfigSchema(prefix = 'SWITCHYARD_AUTH') {
  return {
    required: {
      doc: 'Require a Switchyard API key on every AI request. Off: requests are anonymous and keys are not checked.',
      format: 'switch',
      default: false,
      env: `${prefix}_REQUIRED`,
    },
    keys: { doc: 'Keys declared in the config ({ name, key: ${ENV} | keyHash, policy fields }).', format: declaredKeys, default: [] as ConfiguredKey[] },
    pepper: { doc: 'Server secret mixed into key hashes.', format: String, default: '', env: `${prefix}_PEPPER`, sensitive: true },
    master_key: {
      doc: 'AES-256-GCM master key for BYOK credentials (32 bytes, base64 or hex).',
      format: String,
      default: '',
      env: `${prefix}_MASTER_KEY`,
      sensitive: true,
    },
    cache_ttl: {
      doc: 'How long a resolved key is cached (revocation bypasses the cache).',
      format: 'sy-duration',
      default: 60_000,
      env: `${prefix}_CACHE_TTL`,
    },
  } as const;
}

/**
 * Turn the `auth:` block into key manager options (add the store, channel and events your app has).
 * @example
 * const auth = authKeyOptionsFromConfig(config.get('auth'));
 * const keys = createKeyManager({ store: MemoryKeyStore.fromConfig(auth.keys, auth), ...auth });
 */
export function authKeyOptionsFromConfig(config: AuthKeyConfig): AuthKeyConfigOptions {
  return {
    required: config.required,
    keys: config.keys,
    ...(config.pepper ? { pepper: config.pepper } : {}),
    ...(config.master_key ? { masterKey: config.master_key } : {}),
    cacheTtlMs: parseDuration(config.cache_ttl, { path: 'auth.cache_ttl' }),
  };
}
