import { GatewayError, type Route } from '@switchyard/core';
import type { Catalog, CatalogModel } from './catalog.js';
import type { PriceTier } from './prices.js';
import { analyzeCosts, requestedModelField, tokenField } from './cost-analysis.js';
import { parseModelPatchUpdate } from './model-patch.js';
import type { ModelMapper } from './mapper.js';

export { parseModelPatch, parseModelPatchUpdate } from './model-patch.js';

/** Options of {@link catalogAdminRoutes}. */
export interface CatalogAdminOptions {
  /** The catalog the middleware uses. Required. */
  catalog: Catalog;
  /** Resolves a requested name for `POST /costs/analyze`. Defaults to exact catalog names only. */
  mapper?: ModelMapper;
  /** Whether a target can take traffic now (circuit breaker, health). Defaults to "enabled means available". */
  isAvailable?: (provider: string, model: string) => boolean | Promise<boolean>;
}

function bad(field: string, why: string): GatewayError {
  return new GatewayError(`${field} ${why}`, { status: 400, code: 'invalid_request', param: field });
}

function view(catalog: Catalog, m: CatalogModel) {
  const o = catalog.override(m.provider, m.model);
  return {
    provider: m.provider,
    model: m.model,
    enabled: m.enabled,
    context_window: m.contextWindow ?? null,
    max_output_tokens: m.maxOutputTokens ?? null,
    prices_per_1m: m.prices
      ? {
          input: m.prices.input,
          output: m.prices.output,
          cache_read: m.prices.cacheRead,
          cache_write: m.prices.cacheWrite,
          cache_write_1h: m.prices.cacheWrite1h,
          ...(m.prices.tiers ? { tiers: m.prices.tiers.map(tierView) } : {}),
        }
      : null,
    price_source: m.priceSource,
    capabilities: m.capabilities,
    region: m.region ?? null,
    override: o ? { ...o.patch, updated_at: new Date(o.updatedAt).toISOString() } : null,
  };
}

function tierView(t: PriceTier) {
  return {
    above_input_tokens: t.aboveInputTokens,
    input: t.input,
    output: t.output,
    cache_read: t.cacheRead,
    cache_write: t.cacheWrite,
    cache_write_1h: t.cacheWrite1h,
  };
}

/**
 * Admin API of the model catalog, as a framework-neutral route table (mount it with `koaRoutes`
 * or `expressRoutes`):
 * `GET /models` (`?provider=`, `?enabled=`), `GET /models/:provider/:model`,
 * `PATCH /models/:provider/:model` (enabled, cost, context_window, max_output_tokens,
 * capabilities, region; `null` removes a field from the override; written through to the
 * catalog's store), `DELETE /models/:provider/:model/override` (back to config values) and `POST /costs/analyze` (`{ model, input_tokens, output_tokens,
 * cache_read_tokens?, cache_write_tokens? }` -> cost and availability on each provider).
 * Model names containing `/` are URL-encoded in the path.
 *
 * @example
 * app.use(koaRoutes(catalogAdminRoutes({ catalog, mapper }), { prefix: '/admin' }));
 */
export function catalogAdminRoutes(options: CatalogAdminOptions): Route[] {
  if (!options?.catalog) throw new TypeError('catalogAdminRoutes: catalog is required');
  const { catalog, mapper } = options;
  const isAvailable = options.isAvailable ?? (() => true);
  const noModel = (provider: string, model: string) =>
    new GatewayError(`No model "${model}" on provider "${provider}"`, { status: 404, code: 'model_not_found', param: 'model' });
  const providerOf = (provider: string): string => {
    if (!catalog.provider(provider)) throw new GatewayError(`Unknown provider "${provider}"`, { status: 404, code: 'provider_not_found', param: 'provider' });
    return provider;
  };

  return [
    {
      method: 'GET',
      path: '/models',
      handler({ query }) {
        const provider = query.get('provider') ?? undefined;
        const enabledQ = query.get('enabled') ?? undefined;
        if (enabledQ !== undefined && enabledQ !== 'true' && enabledQ !== 'false') throw bad('enabled', 'must be true or false');
        const models = catalog.list({ provider, enabled: enabledQ === undefined ? undefined : enabledQ === 'true' });
        return { status: 200, body: { object: 'list', data: models.map((m) => view(catalog, m)) } };
      },
    },
    {
      method: 'GET',
      path: '/models/:provider/:model',
      handler({ params }) {
        const m = catalog.get(params.provider!, params.model!);
        if (!m) throw noModel(params.provider!, params.model!);
        return { status: 200, body: view(catalog, m) };
      },
    },
    {
      method: 'PATCH',
      path: '/models/:provider/:model',
      async handler(request) {
        const provider = providerOf(request.params.provider!);
        const patch = parseModelPatchUpdate(await request.json());
        return { status: 200, body: view(catalog, await catalog.setOverride(provider, request.params.model!, patch)) };
      },
    },
    {
      method: 'DELETE',
      path: '/models/:provider/:model/override',
      async handler({ params }) {
        const provider = providerOf(params.provider!);
        const { removed, model } = await catalog.resetOverride(provider, params.model!);
        if (model) return { status: 200, body: view(catalog, model) };
        if (removed) return { status: 204, body: undefined };
        throw noModel(provider, params.model!);
      },
    },
    {
      method: 'POST',
      path: '/costs/analyze',
      async handler(request) {
        const body = await request.json();
        const model = requestedModelField(body);
        const tokens = {
          inputTokens: tokenField(body, 'input_tokens') ?? 0,
          outputTokens: tokenField(body, 'output_tokens') ?? 0,
          cacheReadTokens: tokenField(body, 'cache_read_tokens') ?? 0,
          cacheWriteTokens: tokenField(body, 'cache_write_tokens') ?? 0,
          cacheWrite1hTokens: tokenField(body, 'cache_write_1h_tokens') ?? 0,
        };
        const providers = (await analyzeCosts({ catalog, mapper, isAvailable }, model, tokens)).map((o) => ({
          provider: o.provider,
          model: o.model,
          available: o.available,
          enabled: o.enabled,
          cost_usd: o.costUsd,
          ...(o.costUsd === null ? { cost_unknown_reason: 'no price known for this model' } : {}),
          prices_per_1m: view(catalog, o.entry).prices_per_1m,
        }));
        const priced = providers.filter((p) => p.available && p.cost_usd !== null).sort((a, b) => a.cost_usd! - b.cost_usd!);
        return {
          status: 200,
          body: {
            model,
            tokens: {
              input_tokens: tokens.inputTokens,
              output_tokens: tokens.outputTokens,
              cache_read_tokens: tokens.cacheReadTokens,
              cache_write_tokens: tokens.cacheWriteTokens,
              cache_write_1h_tokens: tokens.cacheWrite1hTokens,
            },
            providers,
            cheapest: priced[0] ? { provider: priced[0].provider, model: priced[0].model, cost_usd: priced[0].cost_usd } : null,
          },
        };
      },
    },
  ];
}
