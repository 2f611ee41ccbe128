import type { ModelPatch } from './model-patch.js';

/** One admin override of a catalog model, as a {@link CatalogOverrideStore} keeps it. */
export interface StoredOverride {
  provider: string;
  /** Upstream model name. */
  model: string;
  /** The accumulated admin change (every field the admin API set and did not reset). */
  patch: ModelPatch;
  /** When it was last written, ms since the epoch. */
  updatedAt: number;
}

/**
 * Where admin changes to the model catalog persist, so they survive a restart and reach every
 * gateway instance. One row per (provider, model); `put` replaces the whole override.
 * Implementations: {@link memoryCatalogStore}, {@link sqliteCatalogStore}, {@link postgresCatalogStore}.
 */
export interface CatalogOverrideStore {
  /** Every stored override. */
  list(): Promise<StoredOverride[]>;
  /** Create or replace the override of (provider, model). */
  put(override: StoredOverride): Promise<void>;
  /** Remove the override of (provider, model); true when there was one. */
  delete(provider: string, model: string): Promise<boolean>;
}

const keyOf = (provider: string, model: string) => `${provider}\u0000${model}`;

/**
 * An in-process {@link CatalogOverrideStore}: nothing survives a restart, but two catalogs in one
 * process may share it (tests, a single instance that only wants the reset semantics).
 * @example const catalog = await openCatalog({ providers, store: memoryCatalogStore() });
 */
export function memoryCatalogStore(): CatalogOverrideStore {
  const rows = new Map<string, StoredOverride>();
  // Copies in and out, as a database would: a caller mutating its object changes nothing stored.
  const copy = (o: StoredOverride): StoredOverride => structuredClone(o);
  return {
    async list() {
      return [...rows.values()].map(copy);
    },
    async put(override) {
      rows.set(keyOf(override.provider, override.model), copy(override));
    },
    async delete(provider, model) {
      return rows.delete(keyOf(provider, model));
    },
  };
}

/** Throw a TypeError at start-up unless `store` looks like a {@link CatalogOverrideStore}. */
export function assertCatalogStore(store: unknown, where: string): asserts store is CatalogOverrideStore {
  const s = store as Partial<CatalogOverrideStore> | null;
  if (!s || typeof s.list !== 'function' || typeof s.put !== 'function' || typeof s.delete !== 'function') {
    throw new TypeError(`${where}: store must have list(), put() and delete()`);
  }
}
