import type { ProviderEntry } from './config.js';
import { defaultCapabilities } from './capabilities.js';
import { costOf, pricesFromCost, type TokenCounts } from './cost.js';
import { isEmptyPatch, mergeModelPatch, parseModelPatch, type ModelPatch, type ModelPatchUpdate } from './model-patch.js';
import type { StoredOverride } from './catalog-override-store.js';
import { applyModelPatch, type CatalogModel, type CatalogProvider } from './catalog-model.js';
import { resolveCatalogOptions, type CatalogOptions, type ResolvedCatalogOptions } from './catalog-options.js';

export { costOf, pricesFromCost, type TokenCounts } from './cost.js';
export type { ModelPatch, ModelPatchUpdate } from './model-patch.js';
export type { CatalogModel, CatalogProvider } from './catalog-model.js';
export type { CatalogOptions } from './catalog-options.js';

const keyOf = (provider: string, model: string) => `${provider}\u0000${model}`;
const splitKey = (key: string) => key.split('\u0000') as [string, string];
const copyOf = (m: CatalogModel): CatalogModel => ({ ...m, capabilities: { ...m.capabilities }, prices: m.prices && { ...m.prices } });

/**
 * The model catalog: every model each provider serves, with prices, context window,
 * capabilities, region and an enabled flag. Each model is built in layers, later ones winning
 * field by field: the price table, the provider's `cost`/`region`/`enabled`, the config's
 * per-model overrides (`models`), then admin overrides (persisted in `store` when given).
 *
 * @example
 * const catalog = await openCatalog({ providers: cfg.providers, models: cfg.models, store });
 * catalog.get('openai', 'gpt-4')?.prices // { input: 10, output: 30, … } with a per-1k config cost
 * await catalog.setOverride('openai', 'gpt-4', { enabled: false }); // persisted, survives restarts
 * catalog.close(); // stops the refresh timer
 */
export class Catalog {
  readonly #providers = new Map<string, CatalogProvider & { entry: ProviderEntry }>();
  /**
   * Built entries by provider, then model: listed and overridden models eagerly, open-provider
   * models on first use. `get` looks up with the caller's two strings (their hashes cached by
   * V8) instead of hashing a freshly concatenated key on every call.
   */
  readonly #models = new Map<string, Map<string, CatalogModel>>();
  /** Keys the config lists under a provider's `models` / `deployments`. */
  readonly #listed = new Set<string>();
  readonly #config = new Map<string, ModelPatch>();
  #admin = new Map<string, StoredOverride>();
  readonly #o: ResolvedCatalogOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #refreshing: Promise<void> | undefined;
  /** Keys written locally while a refresh is reading the store: the refresh must not undo them. */
  #dirty: Set<string> | undefined;

  constructor(options: CatalogOptions = {}) {
    this.#o = resolveCatalogOptions(options);
    for (const entry of options.providers ?? []) {
      if (!entry || typeof entry.name !== 'string' || entry.name === '') throw new TypeError('catalog: every provider needs a name');
      if (this.#providers.has(entry.name)) throw new TypeError(`catalog: provider "${entry.name}" is configured twice`);
      const listed = [...(entry.models ?? []), ...Object.keys(entry.deployments ?? {})];
      const type = typeof entry.type === 'string' ? entry.type : entry.name;
      this.#providers.set(entry.name, { name: entry.name, type, region: entry.region, open: listed.length === 0, entry });
      for (const model of listed) this.#listed.add(keyOf(entry.name, model));
    }
    for (const key of this.#listed) this.#rebuild(key);
    for (const override of options.models ?? []) this.update(override.provider, override.model, override, 'config');
  }

  /** Configured providers. */
  providers(): CatalogProvider[] {
    return [...this.#providers.values()].map(({ entry: _entry, ...p }) => p);
  }

  /** A configured provider by name. */
  provider(name: string): CatalogProvider | undefined {
    const p = this.#providers.get(name);
    return p && { name: p.name, type: p.type, region: p.region, open: p.open };
  }

  /** Every catalog model (listed, overridden, or derived on first use for open providers). */
  list(filter: { provider?: string; enabled?: boolean } = {}): CatalogModel[] {
    const out: CatalogModel[] = [];
    for (const [provider, models] of this.#models) {
      if (filter.provider !== undefined && provider !== filter.provider) continue;
      for (const m of models.values()) if (filter.enabled === undefined || m.enabled === filter.enabled) out.push(copyOf(m));
    }
    return out;
  }

  /**
   * A model a provider serves: a listed or overridden model, or for an open provider (no
   * `models` in the config) one the price table knows for its type. Undefined when the provider
   * does not serve it.
   */
  get(provider: string, model: string): CatalogModel | undefined {
    return this.#models.get(provider)?.get(model) ?? this.#rebuild(keyOf(provider, model));
  }

  /**
   * Describe a target that may not be in the catalog (a `model_routes` default, a key's own
   * target): the catalog entry when there is one, else one derived from the price table.
   */
  describe(provider: string, model: string): CatalogModel {
    return this.get(provider, model) ?? this.#derive(provider, model);
  }

  /** Providers whose catalog lists this exact upstream name (enabled or not). */
  servedBy(model: string): CatalogModel[] {
    const out: CatalogModel[] = [];
    for (const p of this.#providers.values()) {
      const m = this.get(p.name, model);
      if (m) out.push(m);
    }
    return out;
  }

  /**
   * Change a model in memory only; creates the entry for a configured provider. `config` folds
   * into the config layer; `admin` into the admin layer, which the next {@link refresh} replaces
   * with the store's contents when a store is set: use {@link setOverride} to persist.
   */
  update(provider: string, model: string, patch: ModelPatch, source: 'config' | 'admin' = 'admin'): CatalogModel {
    const key = this.#check(provider, model);
    if (source === 'config') {
      const next = mergeModelPatch(this.#config.get(key) ?? {}, patch);
      this.#build(provider, model, next, this.#admin.get(key)?.patch);
      this.#config.set(key, next);
    } else {
      const next = mergeModelPatch(this.#admin.get(key)?.patch ?? {}, patch);
      this.#build(provider, model, this.#config.get(key), next);
      this.#admin.set(key, { provider, model, patch: next, updatedAt: this.#o.now() });
    }
    return copyOf(this.#rebuild(key)!);
  }

  /**
   * Apply an admin change and persist it (the store is written first; a store error leaves the
   * catalog unchanged). `null` fields are removed from the override; an override left empty is
   * deleted. Throws TypeError for an unknown provider or invalid values.
   * @example await catalog.setOverride('openai', 'gpt-4', { enabled: false, context_window: null })
   */
  async setOverride(provider: string, model: string, update: ModelPatchUpdate): Promise<CatalogModel> {
    const key = this.#check(provider, model);
    const patch = mergeModelPatch(this.#admin.get(key)?.patch ?? {}, update);
    this.#build(provider, model, this.#config.get(key), patch);
    const stored = isEmptyPatch(patch) ? undefined : { provider, model, patch, updatedAt: this.#o.now() };
    if (stored) await this.#o.store?.put(stored);
    else await this.#o.store?.delete(provider, model);
    this.#setAdmin(key, stored);
    return copyOf(this.#rebuild(key) ?? this.#derive(provider, model));
  }

  /**
   * Remove the admin override of a model (from the store too): the config and price-table
   * values apply again. `removed` says whether there was one; `model` is the entry afterwards,
   * undefined when only the override made the provider serve it.
   */
  async resetOverride(provider: string, model: string): Promise<{ removed: boolean; model: CatalogModel | undefined }> {
    const key = this.#check(provider, model);
    const stored = (await this.#o.store?.delete(provider, model)) ?? false;
    const removed = this.#admin.has(key) || stored;
    this.#setAdmin(key, undefined);
    const m = this.#rebuild(key);
    return { removed, model: m && copyOf(m) };
  }

  /** The admin override of a model, if any. */
  override(provider: string, model: string): StoredOverride | undefined {
    const o = this.#admin.get(keyOf(provider, model));
    return o && structuredClone(o);
  }

  /**
   * Read the stored overrides, then (with a store and `refreshMs` > 0) re-read them every
   * `refreshMs` on an unref'd timer until {@link close}. Rejects when the store cannot be read.
   */
  async load(): Promise<this> {
    await this.refresh();
    if (this.#o.store && this.#o.refreshMs > 0 && !this.#timer) {
      this.#timer = setInterval(() => {
        // A slow store must not pile up reads; failures are logged inside refresh().
        if (!this.#refreshing) this.refresh().catch(() => {});
      }, this.#o.refreshMs);
      this.#timer.unref?.();
    }
    return this;
  }

  /**
   * Replace the admin layer with the store's overrides now (another instance's change shows up).
   * Stored overrides for providers no longer configured, or with invalid values, are skipped and
   * logged. Rejects (and keeps the current overrides) when the store cannot be read.
   */
  async refresh(): Promise<void> {
    const store = this.#o.store;
    if (!store) return;
    const run = async () => {
      this.#dirty = new Set();
      try {
        const rows = await store.list();
        const next = new Map<string, StoredOverride>();
        for (const row of rows) {
          if (!this.#providers.has(row.provider)) {
            this.#o.logger.debug({ provider: row.provider, model: row.model }, 'catalog: stored override for an unconfigured provider skipped');
            continue;
          }
          try {
            const patch = parseModelPatch(row.patch as Record<string, unknown>);
            this.#build(row.provider, row.model, this.#config.get(keyOf(row.provider, row.model)), patch);
            next.set(keyOf(row.provider, row.model), { provider: row.provider, model: row.model, patch, updatedAt: row.updatedAt });
          } catch (err) {
            this.#o.logger.warn({ provider: row.provider, model: row.model, err: (err as Error).message }, 'catalog: invalid stored override skipped');
          }
        }
        for (const key of this.#dirty) {
          const local = this.#admin.get(key);
          if (local) next.set(key, local);
          else next.delete(key);
        }
        const previous = this.#admin;
        this.#admin = next;
        for (const key of new Set([...previous.keys(), ...next.keys()])) this.#rebuild(key);
      } catch (err) {
        this.#o.logger.warn({ err: (err as Error).message }, 'catalog: reading stored overrides failed');
        throw err;
      } finally {
        this.#dirty = undefined;
      }
    };
    // Refreshes run one after another, so two never interleave their writes to the admin layer.
    const p = (this.#refreshing ?? Promise.resolve()).catch(() => {}).then(run);
    this.#refreshing = p;
    try {
      await p;
    } finally {
      if (this.#refreshing === p) this.#refreshing = undefined;
    }
  }

  /** Stop the refresh timer (the store's client is the caller's to close). */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Estimated USD cost of token counts on a target, or null when its price is unknown. */
  cost(provider: string, model: string, tokens: TokenCounts): number | null {
    return costOf(this.describe(provider, model).prices, tokens);
  }

  #check(provider: string, model: string): string {
    if (!this.#providers.has(provider)) throw new TypeError(`unknown provider "${provider}"`);
    if (typeof model !== 'string' || model === '') throw new TypeError('model must be a non-empty string');
    return keyOf(provider, model);
  }

  #setAdmin(key: string, stored: StoredOverride | undefined): void {
    if (stored) this.#admin.set(key, stored);
    else this.#admin.delete(key);
    this.#dirty?.add(key);
  }

  /** Recompute (and cache, or drop) the entry of a key from its layers. */
  #rebuild(key: string): CatalogModel | undefined {
    const [provider, model] = splitKey(key);
    const p = this.#providers.get(provider);
    const pinned = this.#listed.has(key) || this.#config.has(key) || this.#admin.has(key);
    if (!p || (!pinned && !(p.open && this.#o.lookup(p.type, model)))) {
      this.#models.get(provider)?.delete(model);
      return undefined;
    }
    const m = this.#build(provider, model, this.#config.get(key), this.#admin.get(key)?.patch);
    let models = this.#models.get(provider);
    if (!models) this.#models.set(provider, (models = new Map()));
    models.set(model, m);
    return m;
  }

  #build(provider: string, model: string, config: ModelPatch | undefined, admin: ModelPatch | undefined): CatalogModel {
    let m = this.#derive(provider, model);
    if (config) m = applyModelPatch(m, config, 'config');
    if (admin) m = applyModelPatch(m, admin, 'admin');
    return m;
  }

  #derive(provider: string, model: string): CatalogModel {
    const p = this.#providers.get(provider);
    const type = p?.type ?? provider;
    const table = this.#o.lookup(type, model);
    const configured = pricesFromCost(p?.entry.cost, table?.prices);
    const prices = configured ?? table?.prices ?? null;
    return {
      provider,
      model,
      contextWindow: table?.contextWindow,
      prices,
      priceSource: configured ? 'config' : table?.prices ? 'price-table' : 'unknown',
      capabilities: defaultCapabilities(type, model, { known: table !== undefined }),
      region: p?.region,
      enabled: p?.entry.enabled !== false,
    };
  }
}

/**
 * Build a {@link Catalog} from the config's providers and per-model overrides, synchronously.
 * With a `store`, call `await catalog.load()` before serving (or use {@link openCatalog}).
 * @example const catalog = createCatalog({ providers: cfg.providers, models: cfg.models });
 */
export function createCatalog(options: CatalogOptions = {}): Catalog {
  return new Catalog(options);
}

/**
 * Build a {@link Catalog} and load the stored admin overrides (starting the refresh timer):
 * what a gateway with persistent admin changes calls at start-up. Rejects when the store
 * cannot be read. Call `catalog.close()` on shutdown.
 * @example const catalog = await openCatalog({ providers: ai.providers, models: ai.models, store: sqliteCatalogStore(db) });
 */
export async function openCatalog(options: CatalogOptions = {}): Promise<Catalog> {
  return new Catalog(options).load();
}
