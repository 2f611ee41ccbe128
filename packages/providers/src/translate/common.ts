/**
 * What every translator shares: the 400 for a field that cannot be carried, and the list of
 * fields dropped or approximated on the way (reported to the client in response headers).
 * @module
 */
import { GatewayError, type SseEvent } from '@switchyard/core';

export type Json = Record<string, unknown>;

/** Response header naming the client fields the serving provider cannot take (comma-separated). */
export const DROPPED_FIELDS_HEADER = 'x-switchyard-dropped-fields';
/** Response header naming the client fields whose value was changed to fit the serving provider. */
export const APPROXIMATED_FIELDS_HEADER = 'x-switchyard-approximated-fields';
/** Response header set on answers that were estimated locally (count_tokens on a non-Anthropic provider). */
export const ESTIMATED_HEADER = 'x-switchyard-estimated';

/**
 * Notes collected while translating one request: fields dropped and fields approximated.
 * @example const notes = new TranslationNotes(); notes.drop('seed'); notes.headers() // { 'x-switchyard-dropped-fields': 'seed' }
 */
export class TranslationNotes {
  readonly dropped = new Set<string>();
  readonly approximated = new Set<string>();

  drop(field: string): void {
    this.dropped.add(field);
  }

  approximate(field: string): void {
    this.approximated.add(field);
  }

  /** The warning headers to add to the client's response (none when nothing was lost). */
  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.dropped.size > 0) out[DROPPED_FIELDS_HEADER] = [...this.dropped].join(',');
    if (this.approximated.size > 0) out[APPROXIMATED_FIELDS_HEADER] = [...this.approximated].join(',');
    return out;
  }
}

/**
 * The 400 for a request field the serving provider's format cannot carry. Thrown before any
 * upstream call, so failover never tries it elsewhere by mistake (it is the client's request).
 * @example throw untranslatable('n', 'n > 1 cannot be served by an Anthropic provider')
 */
export function untranslatable(param: string, message: string): GatewayError {
  return new GatewayError(`${message} (field ${param})`, { status: 400, code: 'untranslatable_field', param });
}

export function isObj(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Parse a `data:` URL into media type and base64 payload; undefined when it is not a base64 data URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = /^data:([^;,]+)((?:;[^;,=]+=[^;,]*)*);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!.toLowerCase(), data: m[3]! } : undefined;
}

/** Seconds since the epoch, for OpenAI's `created`. */
export function epochSeconds(now: () => number): number {
  return Math.floor(now() / 1000);
}

/** Parse tool-call arguments (a JSON string) into an object; undefined when they are not a JSON object. */
export function parseArguments(args: unknown): Json | undefined {
  if (isObj(args)) return args;
  if (typeof args !== 'string') return undefined;
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    return isObj(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An upstream stream event that is not one JSON object. The stream is broken there: text it
 * carried cannot be recovered, so a translator throws rather than skip it (a skipped chunk would
 * make an answer with a hole in it look complete).
 */
export class MalformedStreamEventError extends Error {
  constructor() {
    super('Upstream sent a malformed stream event');
    this.name = 'MalformedStreamEventError';
  }
}

/**
 * The JSON object an upstream stream event carries; throws {@link MalformedStreamEventError}
 * for anything else.
 * @example eventObject({ data: '{"type":"ping"}' }) // { type: 'ping' }
 */
export function eventObject(ev: SseEvent): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ev.data);
  } catch {
    throw new MalformedStreamEventError();
  }
  if (!isObj(parsed)) throw new MalformedStreamEventError();
  return parsed;
}
