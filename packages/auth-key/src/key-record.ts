import type { KeyLimits, RoutingConfig } from '@switchyard/core';

/**
 * What a key may do. Carried onto the {@link Principal} at every request.
 * Every field is optional: a missing list means "everything".
 */
export interface KeyPolicy {
  /** Models the key may request; undefined means all. */
  allowedModels?: string[];
  /** Providers the key may reach; undefined means all. */
  allowedProviders?: string[];
  /** Whether the client may send routing headers (`X-Provider`, …). */
  allowRoutingHeaders?: boolean;
  /** MCP profiles the key may open (`/mcp/<profile>`); undefined means all. Entries ending in `*` match by prefix. */
  allowedMcpProfiles?: string[];
  /** MCP tools the key may list and call, as `<profile>/<exposed tool name>` (`dev/github__*`); undefined means all. */
  allowedMcpTools?: string[];
  /** Token budgets and request rates (read by rate-limit). */
  limits?: KeyLimits;
  /** Per-key routing configuration (read by strategy-selector). */
  routing?: RoutingConfig;
  /** Free-form owner data (team, cost centre). Never a secret. */
  metadata?: Record<string, unknown>;
}

/** Lifecycle state of a key. Revocation is final. */
export type KeyStatus = 'active' | 'revoked';

/**
 * A stored key. The secret itself is never stored: only `hash`, an HMAC-SHA256 of it.
 * Timestamps are epoch milliseconds.
 */
export interface KeyRecord {
  /** Public, non-secret id (`key_…`), used by the admin API and logs. */
  id: string;
  /** Descriptive name. */
  name: string;
  /** Hex HMAC-SHA256 of the secret. */
  hash: string;
  /** Non-secret display form (`sk-…abcd`) for UIs. */
  hint: string;
  status: KeyStatus;
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
  policy: KeyPolicy;
}

/** A BYOK provider credential as stored: encrypted, with a masked hint. */
export interface StoredCredential {
  provider: string;
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url), AES-256-GCM under the master key. */
  ciphertext: string;
  /** Masked form (`…wxyz`) shown by the admin API. */
  hint: string;
  createdAt: number;
  updatedAt: number;
}

/** Fields of a key the admin API may change. */
export interface KeyPatch {
  name?: string;
  policy?: KeyPolicy;
}

/**
 * The one storage interface behind every key store (memory, SQLite, PostgreSQL).
 * Implementations store and return plain records; hashing, caching and revocation
 * broadcasting live above them.
 */
export interface KeyStore {
  /** Insert a new key. Rejects when the id or hash already exists. */
  insert(record: KeyRecord): Promise<void>;
  /** The key whose hash is `hash` (any status), or undefined. */
  findByHash(hash: string): Promise<KeyRecord | undefined>;
  get(id: string): Promise<KeyRecord | undefined>;
  /** Every key, oldest first. */
  list(): Promise<KeyRecord[]>;
  /** Apply a patch; returns the updated record, or undefined for an unknown id. */
  update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined>;
  /** Mark revoked at `at` (idempotent); returns the record, or undefined for an unknown id. */
  revoke(id: string, at: number): Promise<KeyRecord | undefined>;
  /** Record use at `at`. Best effort. */
  touch(id: string, at: number): Promise<void>;
  /** The key's BYOK credentials (encrypted). */
  credentials(id: string): Promise<StoredCredential[]>;
  /** Insert or replace a credential. */
  putCredential(id: string, credential: StoredCredential): Promise<void>;
  /** Delete a credential; returns whether one existed. */
  deleteCredential(id: string, provider: string): Promise<boolean>;
  /** Release resources the store itself opened. The user's clients are left open. */
  close?(): Promise<void>;
}
