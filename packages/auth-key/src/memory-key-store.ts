import type { KeyPatch, KeyPolicy, KeyRecord, KeyStore, StoredCredential } from './key-record.js';
import { hashSecret, isWellFormedSecret, keyHint } from './secret.js';

/** A key declared in the config file. */
export interface ConfiguredKey extends KeyPolicy {
  /** Stable id. Defaults to one derived from the hash (`key_cfg_…`). */
  id?: string;
  name: string;
  /** The secret (usually `${ENV}`-interpolated). Give this or `keyHash`. */
  key?: string;
  /** Hex HMAC-SHA256 of the secret under the same pepper. Give this or `key`. */
  keyHash?: string;
}

/**
 * The in-memory {@link KeyStore}: keys from the config file plus any created at run time
 * (lost on restart). Right for one process and for tests.
 *
 * @example
 * const store = MemoryKeyStore.fromConfig([{ name: 'ci', key: process.env.CI_KEY! }]);
 */
export class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<string, KeyRecord>();
  readonly #byHash = new Map<string, string>();
  readonly #credentials = new Map<string, Map<string, StoredCredential>>();

  /**
   * A store holding the keys of a config file. Secrets are hashed at once and not kept.
   * Throws a TypeError naming the entry for a malformed key.
   */
  static fromConfig(keys: readonly ConfiguredKey[], options: { pepper?: string; now?: () => number } = {}): MemoryKeyStore {
    const store = new MemoryKeyStore();
    const now = options.now ?? Date.now;
    keys.forEach((entry, i) => {
      if (typeof entry.name !== 'string' || entry.name === '') throw new TypeError(`keys[${i}].name must be a non-empty string`);
      let hash: string;
      let hint: string;
      if (typeof entry.key === 'string') {
        if (!isWellFormedSecret(entry.key)) throw new TypeError(`keys[${i}].key must be "sk-" followed by at least 20 of [A-Za-z0-9_-]`);
        hash = hashSecret(entry.key, options.pepper);
        hint = keyHint(entry.key);
      } else if (typeof entry.keyHash === 'string' && /^[0-9a-f]{64}$/.test(entry.keyHash)) {
        hash = entry.keyHash;
        hint = 'sk-…';
      } else {
        throw new TypeError(`keys[${i}] needs "key" (the secret) or "keyHash" (64 hex characters)`);
      }
      const { id, name, key: _key, keyHash: _hash, ...policy } = entry;
      const record: KeyRecord = {
        id: id ?? `key_cfg_${hash.slice(0, 16)}`,
        name,
        hash,
        hint,
        status: 'active',
        createdAt: now(),
        policy,
      };
      if (store.#keys.has(record.id) || store.#byHash.has(hash)) throw new TypeError(`keys[${i}] duplicates an earlier key`);
      store.#put(record);
    });
    return store;
  }

  #put(record: KeyRecord): void {
    this.#keys.set(record.id, record);
    this.#byHash.set(record.hash, record.id);
  }

  async insert(record: KeyRecord): Promise<void> {
    if (this.#keys.has(record.id) || this.#byHash.has(record.hash)) throw new Error(`Key ${record.id} already exists`);
    this.#put(structuredClone(record));
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    const id = this.#byHash.get(hash);
    return id === undefined ? undefined : this.get(id);
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    const record = this.#keys.get(id);
    return record && structuredClone(record);
  }

  async list(): Promise<KeyRecord[]> {
    return [...this.#keys.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => structuredClone(r));
  }

  async update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    const record = this.#keys.get(id);
    if (!record) return undefined;
    if (patch.name !== undefined) record.name = patch.name;
    if (patch.policy !== undefined) record.policy = structuredClone(patch.policy);
    return structuredClone(record);
  }

  async revoke(id: string, at: number): Promise<KeyRecord | undefined> {
    const record = this.#keys.get(id);
    if (!record) return undefined;
    if (record.status !== 'revoked') Object.assign(record, { status: 'revoked', revokedAt: at });
    return structuredClone(record);
  }

  async touch(id: string, at: number): Promise<void> {
    const record = this.#keys.get(id);
    if (record) record.lastUsedAt = at;
  }

  async credentials(id: string): Promise<StoredCredential[]> {
    return [...(this.#credentials.get(id)?.values() ?? [])].map((c) => ({ ...c }));
  }

  async putCredential(id: string, credential: StoredCredential): Promise<void> {
    if (!this.#keys.has(id)) throw new Error(`Unknown key ${id}`);
    let forKey = this.#credentials.get(id);
    if (!forKey) this.#credentials.set(id, (forKey = new Map()));
    forKey.set(credential.provider, { ...credential });
  }

  async deleteCredential(id: string, provider: string): Promise<boolean> {
    return this.#credentials.get(id)?.delete(provider) ?? false;
  }
}
