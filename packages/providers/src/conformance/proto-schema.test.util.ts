/**
 * Test support (not shipped): Google's published protos (fixtures/specs/googleapis) read with
 * protobufjs and turned into JSON Schemas of their proto3 JSON mapping, which is what the REST
 * APIs accept: a message is an object of its fields under the JSON name (lowerCamelCase or
 * `json_name`) or the proto name; unknown fields are rejected (Google answers 400 "Unknown
 * name"); enums are their value names (or numbers); 64-bit integers may be strings; at most one
 * member of a `oneof` is set; `(google.api.field_behavior) = REQUIRED` fields must be present.
 * Well-known types follow their JSON mapping (`Value` is any JSON, `Struct` an object, …).
 * The HTTP binding of each RPC (`google.api.http`) gives the REST path template.
 * @see https://protobuf.dev/programming-guides/json/
 * @see https://google.aip.dev/203 (field behavior)
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

type Json = Record<string, unknown>;

const SPECS = new URL('../../fixtures/specs/googleapis/', import.meta.url);

/** proto3 JSON of the well-known types these protos use. */
const WELL_KNOWN: Record<string, Json> = {
  'google.protobuf.Value': {},
  'google.protobuf.NullValue': { type: 'null' },
  'google.protobuf.Struct': { type: 'object' },
  'google.protobuf.ListValue': { type: 'array' },
  'google.protobuf.Timestamp': { type: 'string' },
  'google.protobuf.Duration': { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?s$' },
  'google.protobuf.FieldMask': { type: 'string' },
  'google.protobuf.Empty': { type: 'object', additionalProperties: false },
  'google.protobuf.Any': { type: 'object', required: ['@type'] },
};

const INT64 = { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }] };
const SCALARS: Record<string, Json> = {
  double: { anyOf: [{ type: 'number' }, { enum: ['NaN', 'Infinity', '-Infinity'] }] },
  float: { anyOf: [{ type: 'number' }, { enum: ['NaN', 'Infinity', '-Infinity'] }] },
  int32: { type: 'integer' }, uint32: { type: 'integer', minimum: 0 }, sint32: { type: 'integer' }, fixed32: { type: 'integer', minimum: 0 }, sfixed32: { type: 'integer' },
  int64: INT64, uint64: INT64, sint64: INT64, fixed64: INT64, sfixed64: INT64,
  bool: { type: 'boolean' },
  string: { type: 'string' },
  bytes: { type: 'string', pattern: '^[A-Za-z0-9+/_-]*={0,2}$' },
};

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A package's protos, loaded once: JSON Schemas of its messages and the REST path of its RPCs. */
export interface ProtoApi {
  /** JSON Schema (draft-07, `definitions` keyed by full name) whose root is the message `name`. */
  schema(name: string): Json;
  /** `post` path template of `Service.Method` (e.g. `/v1beta/{model=models/*}:generateContent`) and its other bindings. */
  httpPaths(method: string): string[];
  /** Full names of referenced types the vendored files do not define (schema: any JSON). */
  readonly unresolved: ReadonlySet<string>;
}

/** Load `files` (paths under fixtures/specs/googleapis) into one protobufjs root, without following imports. */
export function loadProtoApi(files: readonly string[]): ProtoApi {
  const root = new protobuf.Root();
  for (const file of files) protobuf.parse(readFileSync(new URL(file, SPECS), 'utf8'), root, { keepCase: true, alternateCommentMode: true });
  const unresolved = new Set<string>();

  const fieldBehaviors = (field: protobuf.Field): string[] =>
    (field.parsedOptions ?? []).flatMap((o: Json) => (o['(google.api.field_behavior)'] !== undefined ? [String(o['(google.api.field_behavior)'])] : []));

  function typeSchema(owner: protobuf.Type, typeName: string, defs: Json): Json {
    if (SCALARS[typeName]) return SCALARS[typeName]!;
    const found = owner.lookup(typeName, [protobuf.Type, protobuf.Enum]);
    const fullName = found ? found.fullName.slice(1) : typeName.replace(/^\./, '');
    if (WELL_KNOWN[fullName]) return WELL_KNOWN[fullName]!;
    if (!found) {
      unresolved.add(fullName);
      return {};
    }
    define(found as protobuf.Type | protobuf.Enum, defs);
    return { $ref: `#/definitions/${fullName}` };
  }

  function define(type: protobuf.Type | protobuf.Enum, defs: Json): void {
    const name = type.fullName.slice(1);
    if (defs[name]) return;
    if (type instanceof protobuf.Enum) {
      defs[name] = { anyOf: [{ enum: Object.keys(type.values) }, { type: 'integer' }] };
      return;
    }
    const schema: Json = { type: 'object', additionalProperties: false, properties: {} };
    defs[name] = schema; // before the fields: recursive messages (Schema.items) refer to it
    const properties = schema.properties as Json;
    const allOf: Json[] = [];
    for (const field of type.fieldsArray) {
      let value: Json = typeSchema(type, field.type, defs);
      if (field instanceof protobuf.MapField) value = { type: 'object', additionalProperties: value };
      else if (field.repeated) value = { type: 'array', items: value };
      const jsonName = (field.options?.json_name as string | undefined) ?? camel(field.name);
      const names = [...new Set([jsonName, field.name])];
      for (const n of names) properties[n] = value;
      // Both spellings at once would set the field twice.
      if (names.length > 1) allOf.push({ not: { required: names } });
      if (fieldBehaviors(field).includes('REQUIRED')) allOf.push({ anyOf: names.map((n) => ({ required: [n] })) });
    }
    for (const oneof of type.oneofsArray) {
      // proto3 `optional` makes a synthetic one-member oneof: nothing to check.
      if (oneof.fieldsArray.length < 2) continue;
      const members = oneof.fieldsArray.map((f) => [...new Set([(f.options?.json_name as string | undefined) ?? camel(f.name), f.name])]);
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) {
          for (const a of members[i]!) for (const b of members[j]!) allOf.push({ not: { required: [a, b] } });
        }
      }
    }
    if (allOf.length > 0) schema.allOf = allOf;
  }

  return {
    unresolved,
    schema(name) {
      const type = root.lookupTypeOrEnum(name);
      const definitions: Json = {};
      define(type, definitions);
      return { $ref: `#/definitions/${type.fullName.slice(1)}`, definitions };
    },
    httpPaths(method) {
      const rpc = root.lookup(method);
      if (!(rpc instanceof protobuf.Method)) throw new Error(`${method} is not an RPC`);
      const http = (rpc.parsedOptions ?? []).map((o: Json) => o['(google.api.http)'] as Json | undefined).find(Boolean);
      if (!http) throw new Error(`${method} has no google.api.http binding`);
      const bindings = [http, ...[http.additional_bindings ?? []].flat() as Json[]];
      return bindings.map((b) => b.post as string | undefined).filter((p): p is string => typeof p === 'string');
    },
  };
}

/**
 * A `google.api.http` path template as a RegExp over a URL path: `{model=models/*}` matches
 * `models/<segment>`, a bare `{name}` one segment, `**` any rest.
 * @example templateRegExp('/v1beta/{model=models/*}:generateContent').test('/v1beta/models/gemini-2.0-flash:generateContent') // true
 */
export function templateRegExp(template: string): RegExp {
  const escape = (s: string) => s.replace(/[.+?^$()[\]\\|]/g, '\\$&');
  const body = template.split(/(\{[^}]+\})/).map((part) => {
    const m = /^\{[^=}]+(?:=([^}]+))?\}$/.exec(part);
    if (!m) return escape(part);
    const pattern = m[1] ?? '*';
    return pattern.split('/').map((seg) => (seg === '**' ? '.+' : seg === '*' ? '[^/:]+' : escape(seg))).join('/');
  }).join('');
  return new RegExp(`^${body}$`);
}
