import { GatewayError, principalAllows, type Principal, type Route, type RouteRequest } from '@switchyard/core';
import { analyzeCosts, requestedModelField, tokenField, type CostAnalysisSource } from './cost-analysis.js';

/** Options of {@link costRoutes}. */
export interface CostRoutesOptions extends CostAnalysisSource {
  /**
   * Who is calling: the principal of a Switchyard key (or your app's own auth through
   * `request.context`), or throw the 401. Undefined sees every provider. Required.
   */
  access: (request: RouteRequest) => Promise<Principal | undefined> | Principal | undefined;
}

/** One provider's answer in `POST /v1/costs/analyze` (ParrotRouter's `analyze_costs` shape). */
export interface ProviderCostView {
  /** USD for the given token counts, or null when no price is known. */
  cost: number | null;
  available: boolean;
  /** The provider's model that would serve the request. */
  model: string;
  /** Where the price comes from: `config`, `price-table`, `admin` or `unknown`. */
  price_source: string;
  currency: 'USD';
}

/**
 * `POST /v1/costs/analyze` for key holders, as a framework-neutral route table. Body
 * `{ model, prompt_tokens, completion_tokens }`; the answer maps each provider the key may use
 * to `{ cost, available, model, price_source, currency }` (ParrotRouter's shape). A model the
 * key may not request is a 403; when a provider serves the model under several names, the
 * cheapest available one is shown. Mount with `koaRoutes` / `expressRoutes` from core.
 *
 * @example
 * app.use(koaRoutes(costRoutes({ catalog, mapper, access: (req) => principalOf(req.headers) })));
 */
export function costRoutes(options: CostRoutesOptions): Route[] {
  if (!options?.catalog) throw new TypeError('costRoutes: `catalog` is required');
  if (typeof options.access !== 'function') throw new TypeError('costRoutes: `access` must be a function');
  return [
    {
      method: 'POST',
      path: '/v1/costs/analyze',
      handler: async (req) => {
        const principal = await options.access(req);
        const body = await req.json();
        const model = requestedModelField(body);
        if (!principalAllows(principal, { model })) {
          throw new GatewayError(`This API key is not allowed to use model "${model}"`, { status: 403, code: 'model_not_allowed', param: 'model' });
        }
        const tokens = { inputTokens: tokenField(body, 'prompt_tokens') ?? 0, outputTokens: tokenField(body, 'completion_tokens') ?? 0 };
        const answer: Record<string, ProviderCostView> = {};
        for (const o of await analyzeCosts(options, model, tokens)) {
          if (!principalAllows(principal, { provider: o.provider })) continue;
          const seen = answer[o.provider];
          const better = !seen || (o.available && !seen.available) || (o.available === seen.available && (o.costUsd ?? Infinity) < (seen.cost ?? Infinity));
          if (better) answer[o.provider] = { cost: o.costUsd, available: o.available, model: o.model, price_source: o.entry.priceSource, currency: 'USD' };
        }
        return { status: 200, body: answer };
      },
    },
  ];
}
