import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { checkConfig } from './check.js';
import { checkFailoverConfig } from '@switchyard/failover';
import { checkModelMappingConfig } from '@switchyard/model-mapping';
import { DEFAULT_CONFIG } from './default-config.js';
import { parseBytes, parseDuration } from '@switchyard/core';
import { applyEnvOverrides, interpolateEnv } from './interpolate.js';
import { checkUnknownKeys } from './unknown-keys.js';
import { renamedEnvErrors } from './renamed-env.js';
import { gatewayConfigSchema, gatewaySchema, type GatewayConfig } from './schema.js';
import { brandValidated, type ValidatedConfig } from './validated.js';

/** A configuration that failed validation; the message starts with the bad field's path. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** A YAML or JSON file. Defaults to `SWITCHYARD_CONFIG`, else the embedded default config. */
  file?: string;
  /** An already parsed config object (instead of a file). Defaults to undefined. */
  object?: Record<string, unknown>;
  /** Environment for `${VAR}` interpolation and overrides. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The loaded configuration and what the loader noticed on the way. */
export interface LoadedConfig {
  /** Branded: `createGateway` / `createSwitchyard` take it as it is. */
  config: ValidatedConfig;
  /** Human-readable warnings (unset variables, unknown keys); never secret values. */
  warnings: string[];
  source: string;
}

/**
 * Load, interpolate, override and validate the gateway configuration. Fails with a
 * {@link ConfigError} naming the bad field's path; never at the first request.
 *
 * @example
 * const { config } = await loadConfig({ file: 'switchyard.yaml' });
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SWITCHYARD_CONFIG;
  let raw: unknown;
  let source: string;
  if (options.object) {
    raw = structuredClone(options.object);
    source = 'object';
  } else if (file) {
    const text = await readFile(file, 'utf8').catch((err: Error) => {
      throw new ConfigError(`config file ${file}: ${err.message}`, { cause: err });
    });
    try {
      // yaml is loaded only to read a YAML file (~1 MB of heap a JSON or object config never needs).
      raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : (await import('yaml')).parse(text);
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`, { cause: err });
    }
    source = file;
  } else {
    raw = structuredClone(DEFAULT_CONFIG);
    source = 'embedded default';
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${source}: the config must be a mapping with an ai_gateway section`);
  return validateConfig(raw as Record<string, unknown>, env, source);
}

/** Validate a parsed config object (after interpolation and overrides); the result is branded (see `isValidatedConfig`). */
export function validateConfig(raw: object, env: NodeJS.ProcessEnv, source = 'object'): LoadedConfig {
  const renamed = renamedEnvErrors(env);
  if (renamed.length > 0) throw new ConfigError(renamed.join('\n'));
  const warnings: string[] = [];
  const { value, missing } = interpolateEnv(raw, env);
  for (const m of missing) warnings.push(`${m.path}: environment variable ${m.variable} is not set`);
  const object = value as Record<string, unknown>;
  applyEnvOverrides(object, env);
  if (object.ai_gateway !== undefined && (typeof object.ai_gateway !== 'object' || object.ai_gateway === null)) {
    throw new ConfigError('ai_gateway: must be a mapping');
  }
  const schema = gatewaySchema(env);
  try {
    warnings.push(...checkUnknownKeys(object, gatewayConfigSchema()));
  } catch (err) {
    throw new ConfigError((err as Error).message, { cause: err });
  }
  try {
    schema.load(object);
    schema.validate({
      allowed: 'warn',
      output: (message: string) => {
        warnings.push(message.replace(/^Warning:\s*/, '').trim());
      },
    });
    checkFailoverConfig(schema.get('ai_gateway.routing.failover'));
    checkModelMappingConfig(schema.get('ai_gateway'));
  } catch (err) {
    throw new ConfigError(tidyConvictMessage((err as Error).message), { cause: err });
  }
  const config = schema.getProperties() as GatewayConfig;
  // Human forms ('30s', '10mb') from files are normalised here; convict coerces only env values.
  const server = config.server;
  server.shutdown_timeout = normalise('server.shutdown_timeout', parseDuration, server.shutdown_timeout);
  server.request_timeout = normalise('server.request_timeout', parseDuration, server.request_timeout);
  server.body_timeout = normalise('server.body_timeout', parseDuration, server.body_timeout);
  server.body_limit = normalise('server.body_limit', parseBytes, server.body_limit);
  config.auth.cache_ttl = normalise('auth.cache_ttl', parseDuration, config.auth.cache_ttl);
  config.usage.retention = normalise('usage.retention', parseDuration, config.usage.retention);
  config.usage.flush_interval = normalise('usage.flush_interval', parseDuration, config.usage.flush_interval);
  try {
    checkConfig(config);
  } catch (err) {
    throw new ConfigError((err as Error).message, { cause: err });
  }
  return { config: brandValidated(config), warnings, source };
}

function normalise(path: string, parse: (v: unknown) => number, value: unknown): number {
  try {
    return parse(value);
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`);
  }
}

/** convict prefixes our format errors with the property path; keep one clean path per line. */
function tidyConvictMessage(message: string): string {
  return message
    .split('\n')
    .map((line) =>
      line
        .replace(/^([\w.]+): (ai_gateway\.[^:]+: )/, '$2')
        // A format's message may go on with the path inside the value (`[2].name: …`, `.alias.provider: …`).
        .replace(/^([\w.]+): ([.[][^:\s]*: )/, '$1$2')
        .replace(/: value was .*$/, ''),
    )
    .join('\n');
}
