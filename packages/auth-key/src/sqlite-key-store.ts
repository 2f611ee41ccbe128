import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from '@switchyard/stores';
import type { KeyPatch, KeyRecord, KeyStore, StoredCredential } from './key-record.js';
import { MIGRATION_COMPONENT, SQLITE_MIGRATIONS } from './migrations.js';
import { rowToCredential, rowToRecord, type CredentialRow, type KeyRow } from './sql-rows.js';

/**
 * The SQLite {@link KeyStore}: the gateway's embedded default, one file. Takes the user's
 * better-sqlite3 `Database` and migrates the schema (versioned) on construction.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const store = new SqliteKeyStore(new Database('switchyard.db'));
 */
export class SqliteKeyStore implements KeyStore {
  readonly #db: SqliteDatabase;
  readonly #stmts: Record<string, SqliteStatement> = {};

  constructor(db: SqliteDatabase) {
    this.#db = db;
    migrateSqlite(db, MIGRATION_COMPONENT, SQLITE_MIGRATIONS);
  }

  #stmt(sql: string): SqliteStatement {
    return (this.#stmts[sql] ??= this.#db.prepare(sql));
  }

  async insert(r: KeyRecord): Promise<void> {
    this.#stmt('INSERT INTO auth_keys (id, name, key_hash, hint, status, created_at, last_used_at, revoked_at, policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      r.id,
      r.name,
      r.hash,
      r.hint,
      r.status,
      r.createdAt,
      r.lastUsedAt ?? null,
      r.revokedAt ?? null,
      JSON.stringify(r.policy),
    );
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    const row = this.#stmt('SELECT * FROM auth_keys WHERE key_hash = ?').get(hash) as KeyRow | undefined;
    return row && rowToRecord(row);
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    const row = this.#stmt('SELECT * FROM auth_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return row && rowToRecord(row);
  }

  async list(): Promise<KeyRecord[]> {
    return (this.#stmt('SELECT * FROM auth_keys ORDER BY created_at, id').all() as KeyRow[]).map(rowToRecord);
  }

  async update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    if (patch.name !== undefined) this.#stmt('UPDATE auth_keys SET name = ? WHERE id = ?').run(patch.name, id);
    if (patch.policy !== undefined) this.#stmt('UPDATE auth_keys SET policy = ? WHERE id = ?').run(JSON.stringify(patch.policy), id);
    return this.get(id);
  }

  async revoke(id: string, at: number): Promise<KeyRecord | undefined> {
    this.#stmt("UPDATE auth_keys SET status = 'revoked', revoked_at = ? WHERE id = ? AND status <> 'revoked'").run(at, id);
    return this.get(id);
  }

  async touch(id: string, at: number): Promise<void> {
    this.#stmt('UPDATE auth_keys SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  async credentials(id: string): Promise<StoredCredential[]> {
    const rows = this.#stmt('SELECT * FROM auth_key_credentials WHERE key_id = ? ORDER BY provider').all(id) as CredentialRow[];
    return rows.map(rowToCredential);
  }

  async putCredential(id: string, c: StoredCredential): Promise<void> {
    this.#stmt(
      `INSERT INTO auth_key_credentials (key_id, provider, ciphertext, hint, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key_id, provider) DO UPDATE SET ciphertext = excluded.ciphertext, hint = excluded.hint, updated_at = excluded.updated_at`,
    ).run(id, c.provider, c.ciphertext, c.hint, c.createdAt, c.updatedAt);
  }

  async deleteCredential(id: string, provider: string): Promise<boolean> {
    return this.#stmt('DELETE FROM auth_key_credentials WHERE key_id = ? AND provider = ?').run(id, provider).changes > 0;
  }
}
