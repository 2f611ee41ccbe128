/**
 * Environment variables that were renamed when every package got its own config fragment
 * (`<PREFIX>_<KEY>`, the prefix naming the section). A variable under its old name would
 * otherwise do nothing at all, and a master key or a body-capture switch set that way would be
 * silently lost, so start-up refuses it and names the new one.
 * @module
 */
/** Old name → the name that sets the same thing now. */
export const RENAMED_ENV: Readonly<Record<string, string>> = Object.freeze({
  SWITCHYARD_MASTER_KEY: 'SWITCHYARD_AUTH_MASTER_KEY',
  SWITCHYARD_KEY_PEPPER: 'SWITCHYARD_AUTH_PEPPER',
  SWITCHYARD_KEY_CACHE_TTL: 'SWITCHYARD_AUTH_CACHE_TTL',
  SWITCHYARD_LOG_RETENTION: 'SWITCHYARD_USAGE_RETENTION',
  SWITCHYARD_LOG_BATCH_SIZE: 'SWITCHYARD_USAGE_BATCH_SIZE',
  SWITCHYARD_LOG_FLUSH_INTERVAL: 'SWITCHYARD_USAGE_FLUSH_INTERVAL',
  SWITCHYARD_LOG_BODIES: 'SWITCHYARD_USAGE_CAPTURE_BODIES',
  SWITCHYARD_COST_HEADER: 'SWITCHYARD_USAGE_COST_HEADER',
});

/** One message per renamed variable that is set, naming its new name. */
export function renamedEnvErrors(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(RENAMED_ENV)
    .filter((name) => env[name] !== undefined)
    .map((name) => `${name}: this variable was renamed; set ${RENAMED_ENV[name]} instead`);
}
