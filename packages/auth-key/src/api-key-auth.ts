import type { Exchange, ExchangeMiddleware, Principal } from '@switchyard/core';
import { attachByok } from './byok.js';
import { createKeyManager, principalOf, type KeyManager, type KeyManagerOptions } from './key-manager.js';
import { modelNotAllowed, policyAllows } from './policy.js';

/**
 * Options of {@link apiKeyAuth}: a shared {@link KeyManager} (so the admin router's revocations
 * reach this middleware at once), or the manager's own options to build a private one.
 */
export type ApiKeyAuthOptions = { keys: KeyManager } | KeyManagerOptions;

/** Resolve the manager of an options object (shared, or built once). */
export function managerOf(options: ApiKeyAuthOptions): KeyManager {
  if (!options || typeof options !== 'object') throw new TypeError('apiKeyAuth: options are required ({ keys } or { store })');
  return 'keys' in options ? options.keys : createKeyManager(options);
}

/**
 * Enforce the model allow-list for the model the client asked for (403 in the client's format).
 * @example enforceModelPolicy(exchange, principal);
 */
export function enforceModelPolicy(exchange: Exchange, principal: Principal): void {
  if (exchange.requestedModel && !policyAllows(principal, { model: exchange.requestedModel })) {
    throw modelNotAllowed(exchange.requestedModel);
  }
}

/**
 * Framework-neutral middleware that admits a request by its Switchyard API key
 * (`Authorization: Bearer sk-…` or `x-api-key`), writes `exchange.principal`, attaches the
 * key's BYOK credentials (see {@link byokCredential}), enforces the model allow-list, and
 * registers the exchange so a revocation cuts it off. A principal an earlier piece already
 * resolved (the app's own auth through `appAuth`) is kept: that request is not asked for a key.
 *
 * @example
 * const keys = createKeyManager({ store });
 * app.use(toKoa(apiKeyAuth({ keys })));
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): ExchangeMiddleware & { keys: KeyManager } {
  const keys = managerOf(options);
  const middleware = async function apiKeyAuth(exchange: Exchange, next: () => Promise<void>): Promise<void> {
    if (exchange.principal) return next();
    const { record, credentials } = await keys.authenticate(exchange.headers);
    const principal = principalOf(record);
    exchange.principal = principal;
    enforceModelPolicy(exchange, principal);
    attachByok(exchange, record.id, credentials, keys.cipher);
    keys.track(record.id, exchange);
    await next();
  };
  return Object.assign(middleware, { keys });
}
