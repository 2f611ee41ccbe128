/**
 * The named convict formats every Switchyard config fragment uses, registered once by whoever
 * loads a config (the gateway does; an app composing fragments calls
 * {@link registerConfigFormats} with its convict). core does not depend on convict: the
 * formats are plain `{ name, validate, coerce }` objects.
 * @module
 */
import { parseBytes, parseDuration } from './duration.js';

/** One named format, as `convict.addFormat` takes it. */
export interface ConfigFormat {
  name: string;
  validate(value: unknown): void;
  coerce?(value: unknown): unknown;
}

// Booleans are read strictly: true/false, and from the environment also 1/0. convict's own
// Boolean turns any other string ("no", "off", "yes please") into true.
const SWITCH_SPELLINGS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/**
 * - `switch`: a strict boolean (true/false; 1/0 as text);
 * - `object`: a mapping taken as one value (convict descends into plain nested objects);
 * - `sy-duration`: `250ms`, `30s`, `5m`, `1h`, `7d` or a number of ms;
 * - `sy-bytes`: `512kb`, `10mb` or a number of bytes;
 * - `sy-usd`: an amount of US dollars above 0 (`0.25`; from the environment as text).
 */
export const CONFIG_FORMATS: readonly ConfigFormat[] = [
  {
    name: 'switch',
    coerce: (v) => (typeof v === 'string' && v.trim().toLowerCase() in SWITCH_SPELLINGS ? SWITCH_SPELLINGS[v.trim().toLowerCase()] : v),
    validate(value) {
      if (typeof value !== 'boolean')
        throw new Error(`must be true or false (in the environment: true, false, 1 or 0); got ${JSON.stringify(value)?.slice(0, 64)}`);
    },
  },
  {
    name: 'object',
    validate(value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a mapping');
    },
  },
  { name: 'sy-duration', validate: (v) => void parseDuration(v) },
  { name: 'sy-bytes', validate: (v) => void parseBytes(v) },
  {
    name: 'sy-usd',
    coerce: (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
    validate(value) {
      if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0))
        throw new Error(`must be an amount of USD above 0; got ${JSON.stringify(value)?.slice(0, 64)}`);
    },
  },
];

/**
 * Register {@link CONFIG_FORMATS} with convict (idempotent: convict replaces a format of the same name).
 * @example import convict from 'convict'; registerConfigFormats(convict); convict({ failover: failoverConfigSchema() });
 */
export function registerConfigFormats(convict: { addFormat(format: ConfigFormat): void }): void {
  for (const format of CONFIG_FORMATS) convict.addFormat(format);
}
