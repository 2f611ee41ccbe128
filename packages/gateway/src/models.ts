import type { GatewayConfig } from './config/schema.js';

/** One model the gateway serves, and the providers behind it. */
export interface ServedModel {
  id: string;
  providers: string[];
  /** `model` for upstream names, `alias` for model_mapping names. */
  kind: 'model' | 'alias';
}

/** Every model name a client can ask for under this config, sorted. */
export function servedModels(config: GatewayConfig['ai_gateway']): ServedModel[] {
  const byId = new Map<string, ServedModel>();
  const add = (id: string, provider: string, kind: ServedModel['kind']) => {
    const entry = byId.get(id) ?? { id, providers: [], kind };
    if (!entry.providers.includes(provider)) entry.providers.push(provider);
    byId.set(id, entry);
  };
  for (const p of config.providers) for (const m of p.models ?? []) add(m, p.name, 'model');
  const names = new Set(config.providers.map((p) => p.name));
  for (const [alias, targets] of Object.entries(config.model_mapping)) {
    for (const provider of Object.keys(targets)) if (names.has(provider)) add(alias, provider, 'alias');
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * `GET /v1/models` in the client's dialect: the Anthropic list shape when the client sent
 * `anthropic-version`, else OpenAI's.
 * @see https://platform.openai.com/docs/api-reference/models/list
 * @see https://docs.anthropic.com/en/api/models-list
 */
export function renderModelList(models: ServedModel[], anthropic: boolean, createdAt: Date): string {
  if (anthropic) {
    const data = models.map((m) => ({ type: 'model', id: m.id, display_name: m.id, created_at: createdAt.toISOString() }));
    return JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }
  const created = Math.floor(createdAt.getTime() / 1000);
  return JSON.stringify({
    object: 'list',
    data: models.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.providers.join(',') })),
  });
}
