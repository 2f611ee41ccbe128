/**
 * Test support (not shipped): checks one HTTP request against an operation of a provider's
 * published OpenAPI document (vendored in fixtures/specs): the path matches the operation's
 * template under the document's server, every query parameter is declared and the required ones
 * are there, required header parameters are sent, one of the security requirements is met, and
 * the JSON body validates against the request body schema. Answers are checked against the
 * operation's 200 response schemas (JSON and event stream).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { openapiToJsonSchema } from '../translate/schemas.test.util.js';

type Json = Record<string, any>;

/** A request as the upstream received it (header names lower-cased). */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function loadSpec(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../../fixtures/specs/${name}`, import.meta.url), 'utf8')) as Json;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const describe = (errors: readonly ErrorObject[] | null | undefined): string =>
  (errors ?? []).slice(0, 6).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('; ');

/** `[]` when `value` passes `validate`, else one line naming `what` and the first errors. */
export function schemaProblems(validate: ValidateFunction, value: unknown, what: string): string[] {
  return validate(value) ? [] : [`${what}: ${describe(validate.errors)}`];
}

/** An OpenAPI document's operations as checkers. */
export interface OpenApiSpec {
  /** Problems with `req` (empty when it conforms). */
  checkRequest(req: WireRequest): string[];
  /**
   * Problems with `value` against the component schema `name` (an answer, one stream event's
   * data). `specDefects` names root properties the schema requires wrongly (the provider's own
   * answers and examples lack them): their absence is not reported.
   */
  checkComponent(name: string, value: unknown, specDefects?: { requiredAtRoot: string[] }): string[];
}

/**
 * OpenAPI's `discriminator` (with a `mapping`) as plain JSON Schema: the property picks the
 * member. Cohere's stream events only differ by it, so `oneOf` alone would match several.
 */
function discriminated(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(discriminated);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) out[k] = discriminated(v);
  const mapping = out.discriminator?.mapping as Record<string, string> | undefined;
  if (!mapping || !(out.oneOf || out.anyOf)) return out;
  const property = out.discriminator.propertyName as string;
  const { oneOf: _one, anyOf: _any, discriminator: _d, ...rest } = out;
  return {
    ...rest,
    allOf: [
      ...(rest.allOf ?? []),
      { properties: { [property]: { enum: Object.keys(mapping) } }, required: [property] },
      ...Object.entries(mapping).map(([value, ref]) => ({ if: { properties: { [property]: { const: value } } }, then: { $ref: ref } })),
    ],
  };
}

/**
 * `closedBodies`: also report top-level body fields the request schema does not define, for a
 * service that rejects them although its schema is open (Azure: 400 "Unrecognized request
 * argument supplied").
 */
export function openApiSpec(doc: Json, options: { closedBodies?: boolean } = {}): OpenApiSpec {
  const defs = openapiToJsonSchema(discriminated(doc.components?.schemas ?? {})) as Json;
  const server = new URL(String(doc.servers?.[0]?.url ?? 'http://x/').replace(/\{(\w+)\}/g, (_, v: string) => doc.servers[0].variables?.[v]?.default ?? v));
  const basePath = server.pathname.replace(/\/$/, '');
  const compiled = new Map<unknown, ValidateFunction>();
  const validator = (schema: unknown): ValidateFunction => {
    let v = compiled.get(schema);
    if (!v) compiled.set(schema, (v = ajv.compile({ $defs: defs, ...(openapiToJsonSchema(schema) as Json) })));
    return v;
  };
  const deref = (node: Json): Json => {
    const m = typeof node.$ref === 'string' ? /^#\/components\/([^/]+)\/(.+)$/.exec(node.$ref) : null;
    return m ? (doc.components[m[1]!][m[2]!] as Json) : node;
  };
  /** Top-level properties a schema defines, through `$ref` and `allOf`. */
  const definedProperties = (schema: Json): Set<string> => {
    const s = deref(schema);
    const out = new Set(Object.keys(s.properties ?? {}));
    for (const part of (s.allOf ?? []) as Json[]) for (const key of definedProperties(part)) out.add(key);
    return out;
  };
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    regexp: new RegExp(`^${basePath}${template.replace(/[.+?^$()[\]\\|]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
  }));

  function security(op: Json, req: WireRequest, query: URLSearchParams): string[] {
    const requirements = (op.security ?? doc.security ?? []) as Json[];
    if (requirements.length === 0) return [];
    const header = (name: string) => req.headers[name.toLowerCase()];
    const met = requirements.some((requirement) => Object.keys(requirement).every((name) => {
      const scheme = doc.components.securitySchemes[name] as Json;
      if (scheme.type === 'http' && scheme.scheme === 'bearer') return /^Bearer \S+$/.test(String(header('authorization') ?? ''));
      if (scheme.type === 'oauth2' || scheme.type === 'openIdConnect') return /^Bearer \S+$/.test(String(header('authorization') ?? ''));
      if (scheme.type === 'apiKey' && scheme.in === 'header') return !!header(scheme.name);
      if (scheme.type === 'apiKey' && scheme.in === 'query') return !!query.get(scheme.name);
      return false;
    }));
    return met ? [] : [`no security requirement met (${requirements.map((r) => Object.keys(r).join('+')).join(' | ')})`];
  }

  return {
    checkRequest(req) {
      const url = new URL(req.url, 'http://upstream');
      const match = templates.find((t) => t.regexp.test(url.pathname));
      if (!match) return [`${url.pathname} is not a path of the spec (under ${basePath || '/'})`];
      const op = doc.paths[match.template][req.method.toLowerCase()] as Json | undefined;
      if (!op) return [`${req.method} ${match.template} is not an operation of the spec`];
      const problems: string[] = [];
      const params = [...(doc.paths[match.template].parameters ?? []), ...(op.parameters ?? [])].map(deref);
      const declared = new Set(params.filter((p) => p.in === 'query').map((p) => p.name as string));
      for (const key of url.searchParams.keys()) if (!declared.has(key)) problems.push(`query parameter ${key} is not declared`);
      for (const p of params) {
        const value = p.in === 'query' ? url.searchParams.get(p.name) ?? undefined : p.in === 'header' ? req.headers[String(p.name).toLowerCase()] : undefined;
        if (p.required && p.in !== 'path' && value === undefined) problems.push(`required ${p.in} parameter ${p.name} is missing`);
        if (value !== undefined && p.schema) problems.push(...schemaProblems(validator(p.schema), value, `${p.in} parameter ${p.name}`));
      }
      problems.push(...security(op, req, url.searchParams));
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      if (bodySchema) {
        let body: unknown;
        try {
          body = JSON.parse(req.body);
        } catch {
          return [...problems, 'body is not JSON'];
        }
        problems.push(...schemaProblems(validator(bodySchema), body, 'body'));
        if (options.closedBodies && body && typeof body === 'object') {
          const defined = definedProperties(bodySchema);
          for (const key of Object.keys(body)) if (!defined.has(key)) problems.push(`body field ${key} is not defined by the spec`);
        }
      }
      return problems;
    },
    checkComponent(name, value, specDefects) {
      const validate = validator({ $ref: `#/components/schemas/${name}` });
      if (validate(value)) return [];
      const ignored = new Set(specDefects?.requiredAtRoot ?? []);
      const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'required' && e.instancePath === '' && ignored.has(e.params.missingProperty as string)));
      return errors.length === 0 ? [] : [`${name}: ${describe(errors)}`];
    },
  };
}
