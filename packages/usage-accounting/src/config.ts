/**
 * The convict fragment of the `usage:` block and its translation into {@link usageAccounting} options.
 * @module
 */
import { parseDuration } from '@switchyard/core';
import type { UsageAccountingOptions } from './options.js';

/** The validated `usage:` block, as convict returns it. */
export interface UsageAccountingConfig {
  enabled: boolean;
  /** Milliseconds, or a duration string (`30d`). */
  retention: number | string;
  batch_size: number;
  /** Milliseconds, or a duration string (`1s`). */
  flush_interval: number | string;
  capture_bodies: boolean;
  cost_header: boolean;
}

/** What {@link usageAccountingOptionsFromConfig} returns: {@link usageAccounting} options plus whether to mount it. */
export type UsageAccountingConfigOptions = Pick<UsageAccountingOptions, 'batchSize' | 'flushIntervalMs' | 'retentionMs' | 'capture' | 'costHeader'> & {
  /** Whether to mount usage accounting at all. */
  enabled: boolean;
};

/**
 * The convict schema fragment of the `usage:` block (snake_case as in the config file; one
 * environment variable per scalar, `<prefix>_<KEY>`). Uses core's named formats (`switch`,
 * `sy-duration`): call core's `registerConfigFormats(convict)` once before loading.
 * @example registerConfigFormats(convict); const config = convict({ usage: usageAccountingConfigSchema('MYAPP_USAGE') });
 */
export function usageAccountingConfigSchema(prefix = 'SWITCHYARD_USAGE') {
  return {
    enabled: { doc: 'Usage and cost accounting with request logs.', format: 'switch', default: true, env: `${prefix}_ENABLED` },
    retention: { doc: 'How long request logs are kept.', format: 'sy-duration', default: 30 * 86_400_000, env: `${prefix}_RETENTION` },
    batch_size: { doc: 'Request log records written per batch.', format: 'nat', default: 200, env: `${prefix}_BATCH_SIZE` },
    flush_interval: {
      doc: 'Longest a record waits before it is written (what a crash can lose).',
      format: 'sy-duration',
      default: 1000,
      env: `${prefix}_FLUSH_INTERVAL`,
    },
    capture_bodies: {
      doc: 'Store request and response bodies (secrets redacted) in the log.',
      format: 'switch',
      default: false,
      env: `${prefix}_CAPTURE_BODIES`,
    },
    cost_header: { doc: 'Send x-switchyard-cost-usd on JSON responses.', format: 'switch', default: true, env: `${prefix}_COST_HEADER` },
  } as const;
}

/**
 * Turn the `usage:` block into {@link usageAccounting} options (add the store, prices and metrics your app has).
 * @example const { enabled, ...usage } = usageAccountingOptionsFromConfig(config.get('usage')); usageAccounting({ ...usage, store });
 */
export function usageAccountingOptionsFromConfig(config: UsageAccountingConfig): UsageAccountingConfigOptions {
  return {
    enabled: config.enabled,
    batchSize: config.batch_size,
    flushIntervalMs: parseDuration(config.flush_interval, { path: 'usage.flush_interval' }),
    retentionMs: parseDuration(config.retention, { path: 'usage.retention' }),
    capture: { request: config.capture_bodies, response: config.capture_bodies },
    costHeader: config.cost_header,
  };
}
