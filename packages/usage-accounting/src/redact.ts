/** Field names whose values are always replaced, whatever the configuration. */
export const SECRET_FIELDS: readonly string[] = [
  'api_key',
  'apikey',
  'api-key',
  'x-api-key',
  'authorization',
  'password',
  'secret',
  'client_secret',
  'access_token',
  'refresh_token',
  'private_key',
  'credentials',
];

// Provider and Switchyard keys that leak into free text (prompts quoting config, error echoes).
const KEY_PATTERN = /\b(?:sk|rk|pk)-[A-Za-z0-9_-]{8,}|\bAIza[0-9A-Za-z_-]{20,}|\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g;

export const REDACTED = '[REDACTED]';

/**
 * A copy of a JSON value with secret fields (by name, case-insensitive, at any depth) and
 * key-like strings replaced by `[REDACTED]`.
 * @example redact({ messages: [], api_key: 'x' }, new Set(['user'])) // { messages: [], api_key: '[REDACTED]' }
 */
export function redact(value: unknown, fields: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return value.replace(KEY_PATTERN, REDACTED);
  if (Array.isArray(value)) return value.map((v) => redact(v, fields));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fields.has(k.toLowerCase()) ? REDACTED : redact(v, fields);
    return out;
  }
  return value;
}

/** The set of field names to redact: the built-in secrets plus the configured ones. */
export function redactionSet(extra: readonly string[] = []): ReadonlySet<string> {
  return new Set([...SECRET_FIELDS, ...extra].map((f) => f.toLowerCase()));
}
