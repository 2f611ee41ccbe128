import { Router } from '@koa/router';
import type { Context } from 'koa';
import { GatewayError, isGatewayError, toGatewayError, renderOpenAIError } from '@switchyard/core';
import type { Catalog, CatalogModel, ModelPatch } from './catalog.js';
import { costOf } from './catalog.js';
import type { Capabilities } from './config.js';
import type { ModelMapper } from './mapper.js';
import { readJsonBody } from './json-body.js';

/** Options of {@link catalogAdminRouter}. */
export interface CatalogAdminOptions {
  /** The catalog the middleware uses. Required. */
  catalog: Catalog;
  /** Resolves a requested name for `POST /costs/analyze`. Defaults to exact catalog names only. */
  mapper?: ModelMapper;
  /** Whether a target can take traffic now (circuit breaker, health). Defaults to "enabled means available". */
  isAvailable?: (provider: string, model: string) => boolean;
  /** Router prefix. Defaults to none. */
  prefix?: string;
}

const CAPABILITIES: Array<keyof Capabilities> = ['chat', 'tools', 'vision', 'jsonSchema', 'embeddings', 'reasoning', 'prefill'];
const COST_FIELDS = ['input_per_1k', 'output_per_1k', 'cache_read_per_1k', 'cache_write_per_1k', 'input_per_1m', 'output_per_1m', 'cache_read_per_1m', 'cache_write_per_1m'];

function bad(field: string, why: string): GatewayError {
  return new GatewayError(`${field} ${why}`, { status: 400, code: 'invalid_request', param: field });
}

function nonNegative(body: Record<string, unknown>, field: string, integer = false): number | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw bad(field, integer ? 'must be an integer >= 0' : 'must be a number >= 0');
  }
  return v;
}

/** Validate an admin PATCH body into a {@link ModelPatch}, 400 naming the first bad field. */
export function parseModelPatch(body: Record<string, unknown>): ModelPatch {
  const patch: ModelPatch = {};
  for (const key of Object.keys(body)) {
    if (!['enabled', 'context_window', 'max_output_tokens', 'cost', 'prices', 'capabilities', 'region'].includes(key)) throw bad(key, 'is not a catalog field');
  }
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw bad('enabled', 'must be a boolean');
    patch.enabled = body.enabled;
  }
  patch.context_window = nonNegative(body, 'context_window', true);
  patch.max_output_tokens = nonNegative(body, 'max_output_tokens', true);
  if (body.region !== undefined) {
    if (typeof body.region !== 'string') throw bad('region', 'must be a string');
    patch.region = body.region;
  }
  const cost = body.cost ?? body.prices;
  if (cost !== undefined) {
    const field = body.cost !== undefined ? 'cost' : 'prices';
    if (!cost || typeof cost !== 'object' || Array.isArray(cost)) throw bad(field, 'must be an object');
    for (const [k, v] of Object.entries(cost)) {
      if (!COST_FIELDS.includes(k)) throw bad(`${field}.${k}`, `is not a price field (${COST_FIELDS.join(', ')})`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(`${field}.${k}`, 'must be a number >= 0');
    }
    patch.cost = cost as ModelPatch['cost'];
  }
  if (body.capabilities !== undefined) {
    const caps = body.capabilities;
    if (!caps || typeof caps !== 'object' || Array.isArray(caps)) throw bad('capabilities', 'must be an object');
    for (const [k, v] of Object.entries(caps)) {
      if (!CAPABILITIES.includes(k as keyof Capabilities)) throw bad(`capabilities.${k}`, `is not a capability (${CAPABILITIES.join(', ')})`);
      if (typeof v !== 'boolean') throw bad(`capabilities.${k}`, 'must be a boolean');
    }
    patch.capabilities = caps as Partial<Capabilities>;
  }
  return patch;
}

function view(m: CatalogModel) {
  return {
    provider: m.provider,
    model: m.model,
    enabled: m.enabled,
    context_window: m.contextWindow ?? null,
    max_output_tokens: m.maxOutputTokens ?? null,
    prices_per_1m: m.prices
      ? { input: m.prices.input, output: m.prices.output, cache_read: m.prices.cacheRead, cache_write: m.prices.cacheWrite }
      : null,
    price_source: m.priceSource,
    capabilities: m.capabilities,
    region: m.region ?? null,
  };
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
 * capabilities, region) and `POST /costs/analyze` (`{ model, input_tokens, output_tokens,
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
  const router = new Router(options.prefix ? { prefix: options.prefix } : {});

  router.get('/models', (ctx) =>
    guard(ctx, () => {
      const provider = typeof ctx.query.provider === 'string' ? ctx.query.provider : undefined;
      const enabledQ = ctx.query.enabled;
      if (enabledQ !== undefined && enabledQ !== 'true' && enabledQ !== 'false') throw bad('enabled', 'must be true or false');
      const models = catalog.list({ provider, enabled: enabledQ === undefined ? undefined : enabledQ === 'true' });
      ctx.body = { object: 'list', data: models.map(view) };
    }),
  );

  router.get('/models/:provider/:model', (ctx) =>
    guard(ctx, () => {
      const m = catalog.get(ctx.params.provider!, ctx.params.model!);
      if (!m) throw new GatewayError(`No model "${ctx.params.model}" on provider "${ctx.params.provider}"`, { status: 404, code: 'model_not_found', param: 'model' });
      ctx.body = view(m);
    }),
  );

  router.patch('/models/:provider/:model', (ctx) =>
    guard(ctx, async () => {
      const provider = ctx.params.provider!;
      if (!catalog.provider(provider)) throw new GatewayError(`Unknown provider "${provider}"`, { status: 404, code: 'provider_not_found', param: 'provider' });
      const patch = parseModelPatch(await readJsonBody(ctx.req, (ctx.request as { body?: unknown }).body));
      ctx.body = view(catalog.update(provider, ctx.params.model!, patch, 'admin'));
    }),
  );

  router.post('/costs/analyze', (ctx) =>
    guard(ctx, async () => {
      const body = await readJsonBody(ctx.req, (ctx.request as { body?: unknown }).body);
      if (typeof body.model !== 'string' || body.model === '') throw bad('model', 'must be a non-empty string');
      const tokens = {
        inputTokens: nonNegative(body, 'input_tokens', true) ?? 0,
        outputTokens: nonNegative(body, 'output_tokens', true) ?? 0,
        cacheReadTokens: nonNegative(body, 'cache_read_tokens', true) ?? 0,
        cacheWriteTokens: nonNegative(body, 'cache_write_tokens', true) ?? 0,
      };
      const targets = mapper?.resolve(body.model)?.targets ?? catalog.servedBy(body.model);
      if (targets.length === 0) throw new GatewayError(`No provider serves "${body.model}"`, { status: 404, code: 'model_not_found', param: 'model' });
      const providers = targets.map((t) => {
        const m = catalog.describe(t.provider, t.model);
        const usd = costOf(m.prices, tokens);
        return {
          provider: t.provider,
          model: t.model,
          available: m.enabled && isAvailable(t.provider, t.model),
          enabled: m.enabled,
          cost_usd: usd,
          ...(usd === null ? { cost_unknown_reason: 'no price known for this model' } : {}),
          prices_per_1m: view(m).prices_per_1m,
        };
      });
      const priced = providers.filter((p) => p.available && p.cost_usd !== null).sort((a, b) => a.cost_usd! - b.cost_usd!);
      ctx.body = {
        model: body.model,
        tokens: { input_tokens: tokens.inputTokens, output_tokens: tokens.outputTokens, cache_read_tokens: tokens.cacheReadTokens, cache_write_tokens: tokens.cacheWriteTokens },
        providers,
        cheapest: priced[0] ? { provider: priced[0].provider, model: priced[0].model, cost_usd: priced[0].cost_usd } : null };
    }),
  );

  return router;
}
