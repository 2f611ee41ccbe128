/**
 * `${NAME}` and `${NAME:-default}` interpolation over every string of a parsed config. Done on
 * values, not on the file text, so a variable can never inject YAML structure.
 */
const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationResult {
  value: unknown;
  /** Paths whose variables were unset and had no default (they became empty strings). */
  missing: { path: string; variable: string }[];
}

export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): InterpolationResult {
  const missing: InterpolationResult['missing'] = [];
  const walk = (v: unknown, p: string): unknown => {
    if (typeof v === 'string') {
      return v.replace(PATTERN, (_, name: string, fallback: string | undefined) => {
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        missing.push({ path: p, variable: name });
        return '';
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${p}[${i}]`));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, p ? `${p}.${k}` : k)]));
    }
    return v;
  };
  return { value: walk(value, path), missing };
}

/**
 * Apply `SWITCHYARD__A__B__0__C=value` overrides: every scalar of the config, including those
 * inside arrays, can be set from the environment. Segments are lower-cased; numbers index
 * arrays; values are parsed as JSON when they parse (numbers, booleans), else kept as strings.
 * @example SWITCHYARD__AI_GATEWAY__PROVIDERS__0__BASE_URL=http://127.0.0.1:9000/v1
 */
export function applyEnvOverrides(config: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SWITCHYARD__') || raw === undefined) continue;
    const segments = name
      .slice('SWITCHYARD__'.length)
      .split('__')
      .map((s) => s.toLowerCase());
    if (segments.some((s) => s === '' || s === '__proto__' || s === 'constructor' || s === 'prototype')) continue;
    let node: Record<string, unknown> | unknown[] = config;
    for (let i = 0; i < segments.length - 1; i++) {
      const key = segments[i]!;
      const nextIsIndex = /^\d+$/.test(segments[i + 1]!);
      const container = node as Record<string, unknown>;
      if (container[key] === undefined || container[key] === null || typeof container[key] !== 'object') {
        container[key] = nextIsIndex ? [] : {};
      }
      node = container[key] as Record<string, unknown>;
    }
    (node as Record<string, unknown>)[segments.at(-1)!] = parseScalar(raw);
    applied.push(segments.join('.'));
  }
  return applied;
}

function parseScalar(raw: string): unknown {
  if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(raw)) return JSON.parse(raw);
  return raw;
}
