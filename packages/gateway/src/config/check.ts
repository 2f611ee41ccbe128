/**
 * The checks a config must pass beyond its shape: every provider builds an adapter, the routing
 * section is one the strategy selector accepts, and every section that names a provider names
 * one that exists. `loadConfig`/`validateConfig` run them, so `switchyard validate` and
 * `switchyard start` refuse exactly the same configs.
 * @module
 */
import { createAdapter } from '@switchyard/providers';
import { validateRoutingSettings } from '@switchyard/strategy-selector';
import { checkMcpConfig } from '@switchyard/mcp/config';
import type { GatewayConfig } from './schema.js';
import { didYouMean } from './suggest.js';

/** Throw an Error whose message starts with the first bad field's path. */
export function checkConfig(config: GatewayConfig): void {
  const ai = config.ai_gateway;
  ai.providers.forEach((entry, i) => {
    try {
      createAdapter(entry);
    } catch (err) {
      // Adapter messages start with "provider <name>:"; the path says which entry it is.
      const message = (err as Error).message.replace(/^provider [^:]+: /, '');
      throw new Error(`ai_gateway.providers[${i}]${message.startsWith('unknown type') ? '.type' : ''}: ${message}${typeHint(entry.type, message)}`, {
        cause: err,
      });
    }
  });
  validateRoutingSettings(ai.routing, 'ai_gateway.routing');
  checkReferences(config);
  checkMcpConfig(config.mcp);
}

function typeHint(type: unknown, message: string): string {
  if (!message.startsWith('unknown type') || typeof type !== 'string') return '';
  const known = /\(known types: ([^)]*)\)/.exec(message)?.[1]?.split(', ') ?? [];
  const near = didYouMean(type, known);
  return near ? `; did you mean "${near}"?` : '';
}

/** Sections that name providers must name configured ones (a typo would silently route nowhere). */
function checkReferences(config: GatewayConfig): void {
  const ai = config.ai_gateway;
  const names = ai.providers.map((p) => p.name);
  const known = new Set(names);
  const check = (path: string, name: unknown) => {
    if (typeof name !== 'string' || known.has(name)) return;
    const near = didYouMean(name, names);
    const list = names.length > 0 ? `configured: ${names.join(', ')}` : 'no providers are configured';
    throw new Error(`${path}: provider "${name}" is not in ai_gateway.providers (${list})${near ? `; did you mean "${near}"?` : ''}`);
  };
  ai.routing.providers.forEach((p, i) => check(`ai_gateway.routing.providers[${i}].name`, p.name));
  for (const [model, provider] of Object.entries(ai.routing.model_routes)) check(`ai_gateway.routing.model_routes.${model}`, provider);
  if (ai.routing.fallback.provider) check('ai_gateway.routing.fallback.provider', ai.routing.fallback.provider);
  for (const [alias, targets] of Object.entries(ai.model_mapping)) {
    for (const provider of Object.keys(targets)) check(`ai_gateway.model_mapping.${alias}.${provider}`, provider);
  }
}
