/**
 * Bounds for text a client controls (model names, ids, error messages that quote them) on its
 * way into headers, logs, storage and error bodies.
 * @module
 */
import { GatewayError } from './errors.js';

/** Longest model name accepted from a client. */
export const MAX_MODEL_NAME_LENGTH = 256;

/** Characters of a model name: letters, digits and `. _ - : / @ + = ~` (provider/model, ft:…, name@version). */
const MODEL_NAME = /^[A-Za-z0-9._:/@+=~-]+$/;

/**
 * Why a client-supplied model name is unacceptable, or undefined when it is fine: at most
 * {@link MAX_MODEL_NAME_LENGTH} characters from a safe set (no spaces, controls or non-ASCII),
 * so it can go into a header, a log line and a metric label as is.
 * @example modelNameProblem('gpt-4o') // undefined
 * @example modelNameProblem('a\r\nb') // 'may only contain …'
 */
export function modelNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must be a non-empty string';
  if (name.length > MAX_MODEL_NAME_LENGTH) return `must be at most ${MAX_MODEL_NAME_LENGTH} characters`;
  if (!MODEL_NAME.test(name)) return 'may only contain letters, digits and . _ - : / @ + = ~';
  return undefined;
}

/**
 * `text` cut to `max` characters, marked with how much was cut: for client-sized strings that
 * are logged, stored or echoed.
 * @example clip('x'.repeat(10_000), 16) // 'xxxxxxxxxxxxxxxx…[+9984]'
 */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[+${text.length - max}]`;
}

/** The one label of every model a catalog does not know (see {@link ModelLabel}). */
export const OTHER_MODEL = 'other';

/**
 * The name under which per-model state and metric series are kept for a (provider, model):
 * the model itself when it is a known one, else one shared bucket ({@link OTHER_MODEL}). A
 * provider without a model list serves any name a client sends; keyed by raw names, its
 * metrics, breakers and stats would grow with every name.
 * @example const label: ModelLabel = (p, m) => (catalog.get(p, m) ? m : OTHER_MODEL);
 */
export type ModelLabel = (provider: string, model: string) => string;

/** The identity {@link ModelLabel}: every model its own label (for pieces used with a fixed catalog). */
export const everyModel: ModelLabel = (_provider, model) => model;

/** Longest header value the gateway writes. */
const MAX_HEADER_VALUE = 1024;
const UNSAFE_HEADER_CHARS = /[^\t\x20-\x7e]/;

/**
 * A header value that is always valid on the wire: characters outside visible ASCII (CR, LF,
 * other controls, non-Latin-1 text) are percent-encoded and the value is bounded, so writing a
 * header that carries client text (a model name) can never throw or split the response.
 * @example headerValue('模型') // '%E6%A8%A1%E5%9E%8B'
 */
export function headerValue(value: string): string {
  if (value.length <= MAX_HEADER_VALUE && !UNSAFE_HEADER_CHARS.test(value)) return value;
  const encoded = value.replace(/[^\t\x20-\x7e]/gu, (c) => Buffer.from(c, 'utf8').toString('hex').replace(/../g, '%$&').toUpperCase());
  return encoded.length <= MAX_HEADER_VALUE ? encoded : encoded.slice(0, MAX_HEADER_VALUE);
}

/**
 * Every value of a header map passed through {@link headerValue}, in place.
 * @example safeHeaders({ 'x-switchyard-model': 'a\nb' }) // { 'x-switchyard-model': 'a%0Ab' }
 */
export function safeHeaders<T extends Record<string, string>>(headers: T): T {
  // for…in, and a write only for a value that changed: this runs on every response's headers.
  for (const name in headers) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    const safe = headerValue(value);
    if (safe !== value) (headers as Record<string, string>)[name] = safe;
  }
  return headers;
}

/**
 * `JSON.stringify` of part of a client's request, for size and token estimates. A part nested
 * so deeply that serialising it overflows the stack is the request's fault: a 400 naming
 * `param`, never a 500.
 * @example clientJson(body.tools, 'tools').length
 */
export function clientJson(value: unknown, param: string): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    throw new GatewayError(`\`${param}\` is nested too deeply or cannot be serialised as JSON`, { status: 400, code: 'invalid_request', param });
  }
}
