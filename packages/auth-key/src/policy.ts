import { GatewayError, listAllows, principalAllows, type Principal, type Target } from '@switchyard/core';

/**
 * Whether a principal's policy allows a model and/or provider. A missing allow-list allows
 * everything; an entry ending in `*` matches by prefix (`gpt-4o*`).
 * @example policyAllows(principal, { model: 'gpt-4o', provider: 'openai' })
 */
export const policyAllows = principalAllows;

/**
 * Whether a principal may use an MCP profile and, when `tool` is given, that tool of it (the
 * name the profile exposes). Tool entries read `<profile>/<tool>`; `*` at the end matches by
 * prefix (`dev/github__*`, `dev/*`). Missing lists allow everything.
 * @example mcpPolicyAllows(principal, { profile: 'dev', tool: 'github__create_issue' })
 */
export function mcpPolicyAllows(principal: Principal | undefined, what: { profile: string; tool?: string }): boolean {
  if (!principal) return true;
  if (!listAllows(principal.allowedMcpProfiles, what.profile)) return false;
  return what.tool === undefined || listAllows(principal.allowedMcpTools, `${what.profile}/${what.tool}`);
}

/** The 403 for a model the principal may not use, in the client's format once rendered. */
export function modelNotAllowed(model: string): GatewayError {
  return new GatewayError(`This API key is not allowed to use model "${model}"`, {
    status: 403,
    code: 'model_not_allowed',
    param: 'model',
  });
}

/** The 403 when no provider the request could go to is allowed for the principal. */
export function providerNotAllowed(): GatewayError {
  return new GatewayError('This API key is not allowed to use any provider that serves this model', {
    status: 403,
    code: 'provider_not_allowed',
  });
}

/**
 * The targets a principal may reach, by its provider allow-list. (The model allow-list applies to
 * the model the client requested and is enforced at admission; upstream model names behind an
 * alias are not re-checked.) The planner (model-mapping / strategy-selector) or the executor calls this once
 * targets are known; when it returns an empty list for a non-empty input, answer with
 * {@link providerNotAllowed} (or call {@link assertTargetsAllowed}).
 * @example exchange.candidates = filterTargetsByPolicy(exchange.principal, candidates);
 */
export function filterTargetsByPolicy<T extends Target>(principal: Principal | undefined, targets: readonly T[]): T[] {
  if (!principal?.allowedProviders) return [...targets];
  return targets.filter((t) => listAllows(principal.allowedProviders, t.provider));
}

/**
 * {@link filterTargetsByPolicy}, throwing the 403 when the policy leaves nothing.
 * @example exchange.candidates = assertTargetsAllowed(exchange.principal, candidates);
 */
export function assertTargetsAllowed<T extends Target>(principal: Principal | undefined, targets: readonly T[]): T[] {
  const allowed = filterTargetsByPolicy(principal, targets);
  if (targets.length > 0 && allowed.length === 0) throw providerNotAllowed();
  return allowed;
}
