import { Router } from '@koa/router';
import type { Context } from 'koa';
import { ADMIN_ROUTER_OPTIONS, GatewayError, isGatewayError, toGatewayError, renderOpenAIError } from '@switchyard/core';
import type { Catalog, CatalogModel } from './catalog.js';
import type { PriceTier } from './prices.js';
import { analyzeCosts, requestedModelField, tokenField } from './cost-analysis.js';
import { parseModelPatchUpdate } from './model-patch.js';
import type { ModelMapper } from './mapper.js';
import { readJsonBody } from './json-body.js';

export { parseModelPatch, parseModelPatchUpdate } from './model-patch.js';

/** Options of {@link catalogAdminRouter}. */
export interface CatalogAdminOptions {
  /** The catalog the middleware uses. Required. */
  catalog: Catalog;
  /** Resolves a requested name for `POST /costs/analyze`. Defaults to exact catalog names only. */
  mapper?: ModelMapper;
  /** Whether a target can take traffic now (circuit breaker, health). Defaults to "enabled means available". */
  isAvailable?: (provider: string, model: string) => boolean | Promise<boolean>;
  /** Router prefix. Defaults to none. */
  prefix?: string;
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
  return { above_input_tokens: t.aboveInputTokens, input: t.input, output: t.output, cache_read: t.cacheRead, cache_write: t.cacheWrite, cache_write_1h: t.cacheWrite1h };
}

async function guard(ctx: Context, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const e = isGatewayError(err) ? err : err instanceof TypeError ? new GatewayError(err.message, { status: 400, code: 'invalid_request' }) : toGatewayError(err);
    ctx.status = e.status;
    ctx.body = renderOpenAIError(e);
  }
}

/**
 * Admin API of the model catalog, as a `@koa/router` router:
 * `GET /models` (`?provider=`, `?enabled=`), `GET /models/:provider/:model`,
 * `PATCH /models/:provider/:model` (enabled, cost, context_window, max_output_tokens,
 * capabilities, region; `null` removes a field from the override; written through to the
 * catalog's store), `DELETE /models/:provider/:model/override` (back to config values) and `POST /costs/analyze` (`{ model, input_tokens, output_tokens,
 * cache_read_tokens?, cache_write_tokens? }` -> cost and availability on each provider).
 * Model names containing `/` are URL-encoded in the path.
 *
 * @example
 * app.use(catalogAdminRouter({ catalog, mapper }).prefix('/admin').routes());
 */
export function catalogAdminRouter(options: CatalogAdminOptions): Router {
  if (!options?.catalog) throw new TypeError('catalogAdminRouter: catalog is required');
  const { catalog, mapper } = options;
  const isAvailable = options.isAvailable ?? (() => true);
  const router = new Router({ ...ADMIN_ROUTER_OPTIONS, ...(options.prefix ? { prefix: options.prefix } : {}) });

  router.get('/models', (ctx) =>
    guard(ctx, () => {
      const provider = typeof ctx.query.provider === 'string' ? ctx.query.provider : undefined;
      const enabledQ = ctx.query.enabled;
      if (enabledQ !== undefined && enabledQ !== 'true' && enabledQ !== 'false') throw bad('enabled', 'must be true or false');
      const models = catalog.list({ provider, enabled: enabledQ === undefined ? undefined : enabledQ === 'true' });
      ctx.body = { object: 'list', data: models.map((m) => view(catalog, m)) };
    }),
  );

  router.get('/models/:provider/:model', (ctx) =>
    guard(ctx, () => {
      const m = catalog.get(ctx.params.provider!, ctx.params.model!);
      if (!m) throw new GatewayError(`No model "${ctx.params.model}" on provider "${ctx.params.provider}"`, { status: 404, code: 'model_not_found', param: 'model' });
      ctx.body = view(catalog, m);
    }),
  );

  const providerOf = (provider: string): string => {
    if (!catalog.provider(provider)) throw new GatewayError(`Unknown provider "${provider}"`, { status: 404, code: 'provider_not_found', param: 'provider' });
    return provider;
  };

  router.patch('/models/:provider/:model', (ctx) =>
    guard(ctx, async () => {
      const provider = providerOf(ctx.params.provider!);
      const patch = parseModelPatchUpdate(await readJsonBody(ctx.req, (ctx.request as { body?: unknown }).body));
      ctx.body = view(catalog, await catalog.setOverride(provider, ctx.params.model!, patch));
    }),
  );

  router.delete('/models/:provider/:model/override', (ctx) =>
    guard(ctx, async () => {
      const provider = providerOf(ctx.params.provider!);
      const { removed, model } = await catalog.resetOverride(provider, ctx.params.model!);
      if (model) ctx.body = view(catalog, model);
      else if (removed) ctx.status = 204;
      else throw new GatewayError(`No model "${ctx.params.model}" on provider "${provider}"`, { status: 404, code: 'model_not_found', param: 'model' });
    }),
  );

  router.post('/costs/analyze', (ctx) =>
    guard(ctx, async () => {
      const body = await readJsonBody(ctx.req, (ctx.request as { body?: unknown }).body);
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
      ctx.body = {
        model,
        tokens: { input_tokens: tokens.inputTokens, output_tokens: tokens.outputTokens, cache_read_tokens: tokens.cacheReadTokens, cache_write_tokens: tokens.cacheWriteTokens, cache_write_1h_tokens: tokens.cacheWrite1hTokens },
        providers,
        cheapest: priced[0] ? { provider: priced[0].provider, model: priced[0].model, cost_usd: priced[0].cost_usd } : null };
    }),
  );

  return router;
}
