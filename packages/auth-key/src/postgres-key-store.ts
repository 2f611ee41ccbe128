import { migratePostgresPool, type PgPool } from '@switchyard/stores';
import type { KeyPatch, KeyRecord, KeyStore, StoredCredential } from './key-record.js';
import { MIGRATION_COMPONENT, POSTGRES_MIGRATIONS } from './migrations.js';
import { rowToCredential, rowToRecord, type CredentialRow, type KeyRow } from './sql-rows.js';

/**
 * The PostgreSQL {@link KeyStore}, for many gateway instances. Takes the user's pg `Pool`;
 * create it with {@link PostgresKeyStore.open}, which runs the versioned migrations first
 * (serialised across instances by an advisory lock).
 *
 * @example
 * const store = await PostgresKeyStore.open(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 */
export class PostgresKeyStore implements KeyStore {
  readonly #pool: PgPool;

  private constructor(pool: PgPool) {
    this.#pool = pool;
  }

  /** Migrate the schema and return the store. */
  static async open(pool: PgPool): Promise<PostgresKeyStore> {
    await migratePostgresPool(pool, MIGRATION_COMPONENT, POSTGRES_MIGRATIONS);
    return new PostgresKeyStore(pool);
  }

  async insert(r: KeyRecord): Promise<void> {
    await this.#pool.query(
      'INSERT INTO auth_keys (id, name, key_hash, hint, status, created_at, last_used_at, revoked_at, policy) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [r.id, r.name, r.hash, r.hint, r.status, r.createdAt, r.lastUsedAt ?? null, r.revokedAt ?? null, JSON.stringify(r.policy)],
    );
  }

  async #one(sql: string, params: unknown[]): Promise<KeyRecord | undefined> {
    const { rows } = await this.#pool.query(sql, params);
    return rows[0] ? rowToRecord(rows[0] as unknown as KeyRow) : undefined;
  }

  findByHash(hash: string): Promise<KeyRecord | undefined> {
    return this.#one('SELECT * FROM auth_keys WHERE key_hash = $1', [hash]);
  }

  get(id: string): Promise<KeyRecord | undefined> {
    return this.#one('SELECT * FROM auth_keys WHERE id = $1', [id]);
  }

  async list(): Promise<KeyRecord[]> {
    const { rows } = await this.#pool.query('SELECT * FROM auth_keys ORDER BY created_at, id');
    return rows.map((r) => rowToRecord(r as unknown as KeyRow));
  }

  update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    return this.#one('UPDATE auth_keys SET name = COALESCE($2, name), policy = COALESCE($3::jsonb, policy) WHERE id = $1 RETURNING *', [
      id,
      patch.name ?? null,
      patch.policy === undefined ? null : JSON.stringify(patch.policy),
    ]);
  }

  async revoke(id: string, at: number): Promise<KeyRecord | undefined> {
    await this.#pool.query("UPDATE auth_keys SET status = 'revoked', revoked_at = $2 WHERE id = $1 AND status <> 'revoked'", [id, at]);
    return this.get(id);
  }

  async touch(id: string, at: number): Promise<void> {
    await this.#pool.query('UPDATE auth_keys SET last_used_at = GREATEST(COALESCE(last_used_at, 0), $2) WHERE id = $1', [id, at]);
  }

  async credentials(id: string): Promise<StoredCredential[]> {
    const { rows } = await this.#pool.query('SELECT * FROM auth_key_credentials WHERE key_id = $1 ORDER BY provider', [id]);
    return rows.map((r) => rowToCredential(r as unknown as CredentialRow));
  }

  async putCredential(id: string, c: StoredCredential): Promise<void> {
    await this.#pool.query(
      `INSERT INTO auth_key_credentials (key_id, provider, ciphertext, hint, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key_id, provider) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, hint = EXCLUDED.hint, updated_at = EXCLUDED.updated_at`,
      [id, c.provider, c.ciphertext, c.hint, c.createdAt, c.updatedAt],
    );
  }

  async deleteCredential(id: string, provider: string): Promise<boolean> {
    const result = await this.#pool.query('DELETE FROM auth_key_credentials WHERE key_id = $1 AND provider = $2', [id, provider]);
    return (result.rowCount ?? 0) > 0;
  }
}
