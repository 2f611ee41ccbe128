/**
 * The gateway config as a JSON Schema (draft 2020-12), derived from the convict schema, for
 * editors (`# yaml-language-server: $schema=…`) and for the generated settings table.
 * @module
 */
import { declaredKeys } from '@switchyard/auth-key';
import { modelOverrides } from '@switchyard/model-mapping';
import { adapterTypes, PROVIDER_NAME } from '@switchyard/providers';
import { percentile, routingProviders, routingRules, STRATEGY_SPELLINGS, strategyName } from '@switchyard/strategy-selector';
import { gatewayConfigSchema } from './schema.js';

type JsonSchema = Record<string, unknown>;
interface Leaf {
  doc?: string;
  format?: unknown;
  default?: unknown;
  env?: string;
  nullable?: boolean;
  sensitive?: boolean;
}

const DURATION = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)?\\s*$' },
  ],
};
const SIZE = {
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgG]?[bB])?\\s*$' },
  ],
};

function providerEntry(): JsonSchema {
  return {
    type: 'object',
    required: ['name', 'type'],
    properties: {
      name: { type: 'string', pattern: PROVIDER_NAME.source, description: 'Unique provider name used in routing.' },
      type: { enum: adapterTypes(), description: 'Adapter type.' },
      base_url: { type: 'string', description: "Upstream http(s) base URL (defaults to the provider's public API); ${ENV} allowed." },
      api_key: { type: 'string', description: 'Provider credential, usually ${ENV}.' },
      models: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Models this provider serves.' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
    },
    // Adapter-specific settings (Azure deployments, Vertex project, timeouts, …) ride along.
    additionalProperties: true,
  };
}

/** JSON Schema of one convict format. */
function formatSchema(format: unknown): JsonSchema {
  if (format === String) return { type: 'string' };
  if (format === Number) return { type: 'number' };
  if (format === Boolean) return { type: 'boolean' };
  if (format === Array) return { type: 'array' };
  if (Array.isArray(format)) return { enum: format };
  switch (format) {
    case 'switch':
      return { type: 'boolean' };
    case 'port':
      return { type: 'integer', minimum: 0, maximum: 65535 };
    case 'nat':
      return { type: 'integer', minimum: 0 };
    case 'int':
      return { type: 'integer' };
    case 'object':
      return { type: 'object' };
    case 'sy-duration':
      return DURATION;
    case 'sy-bytes':
      return SIZE;
    case 'sy-usd':
      return { type: 'number', exclusiveMinimum: 0 };
    case 'sy-workers':
      return { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'auto' }] };
    case 'provider-list':
      return { type: 'array', items: providerEntry() };
    case routingProviders:
      return {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, priority: { type: 'number', minimum: 0 }, weight: { type: 'number', minimum: 0 } },
        },
      };
    case declaredKeys:
      return {
        type: 'array',
        items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, key: { type: 'string' }, keyHash: { type: 'string' } } },
      };
    case routingRules:
      return { type: 'array', items: { type: 'object', required: ['when'], properties: { name: { type: 'string' }, when: { type: 'object' } } } };
    case strategyName:
      return { enum: [...STRATEGY_SPELLINGS] };
    case percentile:
      return { type: 'number', exclusiveMinimum: 0, maximum: 100 };
    case modelOverrides:
      return { type: 'array', items: { type: 'object', required: ['provider', 'model'] } };
    default:
      // A validation function or a format only convict knows: any value, checked at load.
      return {};
  }
}

function isLeaf(node: object): node is Leaf {
  return 'default' in node;
}

function convert(node: Record<string, unknown>): JsonSchema {
  if (isLeaf(node)) {
    const schema: JsonSchema = node.nullable ? { anyOf: [formatSchema(node.format), { type: 'null' }] } : { ...formatSchema(node.format) };
    if (node.doc) schema.description = node.env ? `${node.doc} (env: ${node.env})` : node.doc;
    if (!node.sensitive && node.default !== undefined && node.default !== null) schema.default = node.default;
    return schema;
  }
  const properties: Record<string, JsonSchema> = {};
  for (const [key, child] of Object.entries(node)) {
    if (child && typeof child === 'object') properties[key] = convert(child as Record<string, unknown>);
  }
  return { type: 'object', properties, additionalProperties: false };
}

/**
 * The JSON Schema of the whole gateway config.
 * @example writeFileSync('switchyard.schema.json', JSON.stringify(configJsonSchema(), null, 2));
 */
export function configJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Switchyard gateway configuration',
    ...convert(gatewayConfigSchema() as Record<string, unknown>),
  };
}

/** One row of the settings table: every leaf with its path, env var, default and doc. */
export interface SettingRow {
  path: string;
  /** The convict format's name (`sy-duration`, `switch`, …), or the constructor's name. */
  format: string;
  env?: string;
  default?: unknown;
  doc: string;
  sensitive: boolean;
}

/** Every leaf of the config schema, in schema order. */
export function configSettings(): SettingRow[] {
  const rows: SettingRow[] = [];
  const walk = (node: Record<string, unknown>, path: string) => {
    if (isLeaf(node)) {
      const leaf = node as Leaf;
      const format =
        typeof leaf.format === 'string'
          ? leaf.format
          : typeof leaf.format === 'function'
            ? leaf.format.name || 'checked'
            : Array.isArray(leaf.format)
              ? 'enum'
              : 'any';
      rows.push({ path, format, env: leaf.env, default: leaf.default, doc: leaf.doc ?? '', sensitive: leaf.sensitive === true });
      return;
    }
    for (const [key, child] of Object.entries(node))
      if (child && typeof child === 'object') walk(child as Record<string, unknown>, path ? `${path}.${key}` : key);
  };
  walk(gatewayConfigSchema() as Record<string, unknown>, '');
  return rows;
}

const DURATION_UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A default as a reader would write it in the file (`30s`, `10mb`, `unset`). */
function shownDefault(row: SettingRow): string {
  const v = row.default;
  if (row.sensitive || v === '' || v === undefined) return '';
  if (v === null) return 'unset';
  if (typeof v === 'number' && row.format === 'sy-duration' && v > 0) {
    const unit = DURATION_UNITS.find(([, ms]) => v % ms === 0);
    return unit ? `${v / unit[1]}${unit[0]}` : `${v}ms`;
  }
  if (typeof v === 'number' && row.format === 'sy-bytes' && v % 1024 === 0) return v % 1048576 === 0 ? `${v / 1048576}mb` : `${v / 1024}kb`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The settings table of the gateway README, generated from the schema so the docs cannot drift
 * (`npm run docs:config` writes it; a test compares).
 */
export function settingsTable(): string {
  const lines = ['| key | env | default | what |', '|---|---|---|---|'];
  for (const row of configSettings()) {
    const d = shownDefault(row);
    lines.push(`| \`${row.path}\` | ${row.env ? `\`${row.env}\`` : '—'} | ${d ? `\`${cell(d)}\`` : '—'} | ${cell(row.doc)} |`);
  }
  return lines.join('\n');
}
