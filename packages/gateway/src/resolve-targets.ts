import { GatewayError, type ExchangeMiddleware, type Target } from '@switchyard/core';
import type { GatewayConfig } from './config/schema.js';

/**
 * The foundation's model resolution: exact upstream names, `provider/model`, and
 * `model_mapping` aliases, in `routing.providers` priority order. The model-mapping package
 * replaces this with the full catalog when it is mounted.
 */
export function resolveTargets(config: GatewayConfig['ai_gateway']): ExchangeMiddleware {
  const priority = new Map(config.routing.providers.map((p, i) => [p.name, p.priority ?? i + 1]));
  const rank = (provider: string) => priority.get(provider) ?? Number.MAX_SAFE_INTEGER;
  const byModel = new Map<string, Target[]>();
  const add = (model: string, target: Target) => {
    const list = byModel.get(model) ?? [];
    if (!list.some((t) => t.provider === target.provider && t.model === target.model)) list.push(target);
    byModel.set(model, list);
  };
  const providers = new Set(config.providers.map((p) => p.name));
  for (const p of config.providers) for (const m of p.models ?? []) add(m, { provider: p.name, model: m });
  for (const [alias, targets] of Object.entries(config.model_mapping)) {
    for (const [provider, model] of Object.entries(targets)) if (providers.has(provider)) add(alias, { provider, model });
  }
  for (const list of byModel.values()) list.sort((a, b) => rank(a.provider) - rank(b.provider));
  const names = [...byModel.keys()].sort();

  return async function resolveTargets(exchange, next) {
    if (!exchange.candidates) {
      const model = exchange.requestedModel;
      let found = byModel.get(model);
      const slash = model.indexOf('/');
      if (!found && slash > 0 && providers.has(model.slice(0, slash))) {
        found = [{ provider: model.slice(0, slash), model: model.slice(slash + 1) }];
      }
      if (!found) {
        const shown = names.slice(0, 50).join(', ');
        throw new GatewayError(`The model \`${model}\` does not exist or is not served here. Available models: ${shown}`, {
          status: 404,
          code: 'model_not_found',
          param: 'model',
        });
      }
      exchange.candidates = found.map((t) => ({ ...t }));
    }
    await next();
  };
}
