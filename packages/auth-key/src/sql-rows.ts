import type { KeyPolicy, KeyRecord, StoredCredential } from './key-record.js';

/** Row shape shared by the SQLite and PostgreSQL key tables. */
export interface KeyRow {
  id: string;
  name: string;
  key_hash: string;
  hint: string;
  status: string;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
  policy: string | KeyPolicy;
}

export interface CredentialRow {
  provider: string;
  ciphertext: string;
  hint: string;
  created_at: number | string;
  updated_at: number | string;
}

// pg returns BIGINT as a string; SQLite returns a number.
const num = (v: number | string | null): number | undefined => (v === null || v === undefined ? undefined : Number(v));

export function rowToRecord(row: KeyRow): KeyRecord {
  const record: KeyRecord = {
    id: row.id,
    name: row.name,
    hash: row.key_hash,
    hint: row.hint,
    status: row.status === 'revoked' ? 'revoked' : 'active',
    createdAt: Number(row.created_at),
    policy: typeof row.policy === 'string' ? (JSON.parse(row.policy) as KeyPolicy) : row.policy,
  };
  const lastUsed = num(row.last_used_at);
  const revoked = num(row.revoked_at);
  if (lastUsed !== undefined) record.lastUsedAt = lastUsed;
  if (revoked !== undefined) record.revokedAt = revoked;
  return record;
}

export function rowToCredential(row: CredentialRow): StoredCredential {
  return {
    provider: row.provider,
    ciphertext: row.ciphertext,
    hint: row.hint,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
