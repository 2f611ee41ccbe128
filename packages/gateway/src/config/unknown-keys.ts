/**
 * Unknown keys in a config are mistakes until proven otherwise: `provders:` would serve no
 * provider, `ai_gateway.rate_limit:` no limit, `failover.max_retires` the default. Every key of
 * a section the schema describes must be one it knows; the error names the path and the
 * nearest known key. Provider entries carry adapter-specific extras, so there a key is an error
 * when it looks like a typo of a known setting, else a warning.
 * @module
 */
import { providerSettingNames } from '@switchyard/providers';
import { didYouMean } from './suggest.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLeaf = (node: Record<string, unknown>) => 'default' in node;

/** Keys people write for a reason the schema cannot take, with what to write instead. */
const INSTEAD: Record<string, string> = {
  // convict reads a `default` key as a setting's default, so the section cannot have one.
  'ai_gateway.routing.default':
    "the rules strategy's default has no key of its own in the config file: end `rules` with a rule whose `when` is `{ and: [] }` (it matches every request)",
};

function unknownKey(path: string, key: string, known: readonly string[]): string {
  const full = `${path ? `${path}.` : ''}${key}`;
  if (INSTEAD[full]) return `${full}: unknown key; ${INSTEAD[full]}`;
  const near = didYouMean(key, known);
  return `${full}: unknown key${near ? `; did you mean "${near}"?` : ` (known here: ${known.join(', ')})`}`;
}

/**
 * Check a parsed config against a convict schema definition. Throws an Error listing every
 * unknown key (one per line, each with its path); returns warnings for provider extras that no
 * adapter of that type reads.
 * @example const warnings = checkUnknownKeys(raw, gatewayConfigSchema());
 */
export function checkUnknownKeys(raw: Record<string, unknown>, definition: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const warnings: string[] = [];
  const walk = (value: Record<string, unknown>, schema: Record<string, unknown>, path: string) => {
    const known = Object.keys(schema);
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const node = schema[key];
      if (!isObject(node)) {
        errors.push(unknownKey(path, key, known));
        continue;
      }
      if (!isLeaf(node)) {
        if (isObject(child)) walk(child, node, childPath);
        continue;
      }
      if (node.format === 'provider-list' && Array.isArray(child)) child.forEach((entry, i) => checkProvider(entry, `${childPath}[${i}]`));
    }
  };
  const checkProvider = (entry: unknown, path: string) => {
    if (!isObject(entry)) return;
    const type = typeof entry.type === 'string' ? entry.type : undefined;
    const known = providerSettingNames(type);
    for (const key of Object.keys(entry)) {
      if (known.includes(key)) continue;
      if (didYouMean(key, known)) errors.push(unknownKey(path, key, known));
      else warnings.push(`${path}.${key}: not a setting the ${type ?? 'configured'} adapter reads (ignored)`);
    }
  };
  walk(raw, definition, '');
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return warnings;
}
