import { clip, GatewayError, MAX_MODEL_NAME_LENGTH, type Exchange, type Target } from '@switchyard/core';
import type { ExchangeMiddleware } from '@switchyard/core';
import { createCatalog, type Catalog } from './catalog.js';
import type { MappingConfig } from './config.js';
import { allowedBy, filterCandidates, type SkippedTarget } from './filter.js';
import { ModelMapper } from './mapper.js';
import { requestNeeds, type RequestNeeds } from './request-needs.js';

/** `exchange.locals` key of the request's {@link RequestNeeds} (token estimate), for later pieces. */
export const REQUEST_NEEDS = Symbol.for('switchyard.model-mapping.needs');
/** `exchange.locals` key of the candidates dropped before routing ({@link SkippedTarget}[]). */
export const SKIPPED_TARGETS = Symbol.for('switchyard.model-mapping.skipped');
/** `exchange.locals` key set to `'routing'` when the key's active routing targets replaced the model's candidates. */
export const CANDIDATE_SOURCE = Symbol.for('switchyard.candidates.source');

/** Options of {@link modelMapping}. */
export interface ModelMappingOptions {
  /** The `ai_gateway` config object (providers, routing, model_mapping, groups, models). Defaults to `{}`. */
  config?: MappingConfig;
  /** A catalog shared with the admin API and cost accounting. Defaults to one built from `config`. */
  catalog?: Catalog;
  /** How many names an unknown-model 404 lists. Defaults to 20. */
  suggestionLimit?: number;
}

interface Resolved {
  catalog: Catalog;
  mapper: ModelMapper;
  suggestionLimit: number;
}

function resolveOptions(options: ModelMappingOptions): Resolved {
  if (options === null || typeof options !== 'object') throw new TypeError('modelMapping: options must be an object');
  const config = options.config ?? {};
  if (typeof config !== 'object') throw new TypeError('modelMapping: config must be an object');
  const catalog = options.catalog ?? createCatalog({ providers: config.providers, models: config.models });
  const limit = options.suggestionLimit ?? 20;
  if (!Number.isInteger(limit) || limit < 0) throw new TypeError('modelMapping: suggestionLimit must be an integer >= 0');
  return { catalog, mapper: new ModelMapper(config, catalog), suggestionLimit: limit };
}

/**
 * Model mapping: turns the requested model into `exchange.candidates`, the targets that may
 * serve it, after dropping disabled models, targets the key may not use, and targets that lack
 * a capability the request needs or whose context window is too small. When the key has active
 * routing with targets, those targets are the candidates and the model field is a hint.
 *
 * @example
 * const mapping = modelMapping({ config: yaml.ai_gateway });
 * app.use(toKoa(mapping));
 */
export function modelMapping(options: ModelMappingOptions = {}): ExchangeMiddleware {
  const { catalog, mapper, suggestionLimit } = resolveOptions(options);

  return async function modelMapping(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    const needs = requestNeeds(exchange.format, exchange.body);
    exchange.locals.set(REQUEST_NEEDS, needs);
    const requested = exchange.requestedModel;
    // For messages only: the name is echoed in errors, which must stay small.
    const named = clip(requested, MAX_MODEL_NAME_LENGTH);
    const principal = exchange.principal;
    const routing = principal?.routing;
    let candidates: Target[];
    if (routing?.active && Array.isArray(routing.targets) && routing.targets.length > 0) {
      candidates = routing.targets.flatMap((t) => {
        const model = t.model && t.model !== '*' ? t.model : mapper.modelFor(t.provider, requested);
        return model ? [{ ...t, model }] : [];
      });
      exchange.locals.set(CANDIDATE_SOURCE, 'routing');
      // Every target said "the requested model" and none serves it.
      if (candidates.length === 0) throw unknownModel(named, mapper.availableNames(suggestionLimit));
    } else {
      if (!requested) throw new GatewayError('The request names no model', { status: 400, code: 'invalid_request', param: 'model' });
      if (!allowedBy(principal?.allowedModels, requested)) {
        throw new GatewayError(`This key may not use model "${named}"`, { status: 403, code: 'model_not_allowed', param: 'model' });
      }
      const resolution = mapper.resolve(requested);
      if (!resolution) throw unknownModel(named, mapper.availableNames(suggestionLimit));
      candidates = resolution.targets;
      exchange.locals.set(CANDIDATE_SOURCE, resolution.via);
    }
    const permitted = candidates.filter((t) => allowedBy(principal?.allowedProviders, t.provider));
    if (permitted.length === 0) {
      throw new GatewayError(`This key may not use any provider that serves "${named}"`, {
        status: 403,
        code: 'provider_not_allowed',
        param: 'model',
      });
    }
    const { kept, skipped } = filterCandidates(catalog, permitted, needs);
    exchange.locals.set(SKIPPED_TARGETS, skipped);
    if (kept.length === 0) throw noneLeft(named, skipped);
    exchange.candidates = kept;
    await next();
  };
}

function unknownModel(requested: string, names: string[]): GatewayError {
  const list = names.length > 0 ? ` Available: ${names.join(', ')}.` : '';
  return new GatewayError(`The model "${requested}" does not exist or is not served here.${list}`, {
    status: 404,
    code: 'model_not_found',
    param: 'model',
  });
}

function noneLeft(requested: string, skipped: SkippedTarget[]): GatewayError {
  const first = skipped.find((s) => s.code !== 'model_disabled') ?? skipped[0]!;
  if (first.code === 'model_disabled') {
    return new GatewayError(`The model "${requested}" is disabled`, { status: 404, code: 'model_not_found', param: 'model' });
  }
  const reasons = skipped.map((s) => s.reason).join('; ');
  return new GatewayError(`No target for "${requested}" can serve this request: ${reasons}`, {
    status: 400,
    code: first.code,
    param: first.param,
  });
}

export type { RequestNeeds };
