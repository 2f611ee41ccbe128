/**
 * A config that passed {@link validateConfig} carries a brand: a unique-symbol type only the
 * validator's result has, and a runtime mark set only there. The gateway never validates a
 * branded config twice, and never takes an unvalidated object of the same shape for one.
 * @module
 */
import type { GatewayConfig } from './schema.js';

declare const VALIDATED: unique symbol;

/** A {@link GatewayConfig} that `validateConfig` (or `loadConfig`) returned. */
export type ValidatedConfig = GatewayConfig & { readonly [VALIDATED]: true };

// A WeakSet, not a property: a copy or a hand-made object of the same shape is not marked, and
// nothing outside this module can mark one.
const validated = new WeakSet<object>();

/** Mark `config` as validated. Only `validateConfig` calls this, after every check passed. */
export function brandValidated(config: GatewayConfig): ValidatedConfig {
  validated.add(config);
  return config as ValidatedConfig;
}

/**
 * Whether `value` is a config `validateConfig` returned (not merely one shaped like it).
 * @example createSwitchyard({ config: isValidatedConfig(c) ? c : raw })
 */
export function isValidatedConfig(value: unknown): value is ValidatedConfig {
  return typeof value === 'object' && value !== null && validated.has(value);
}
