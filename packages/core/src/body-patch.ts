/**
 * Upstream request bytes spliced from the client's bytes. Pieces change a request body by
 * copying it and setting a few top-level members (`model` mapped to the provider's name,
 * `stream_options` asking for usage); the prompt, most of the body, stays as the client sent
 * it. Serialising the whole body again for that cost time in proportion to the prompt; a
 * splice keeps the client's bytes for every member that did not change and serialises only
 * the ones that did.
 * @module
 */
import type { BodySource } from './exchange.js';
import { SPACE, TAB, LF, CR, QUOTE, COMMA, COLON, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } from './json-chars.js';

/** More changed members than this: the body was rebuilt (a translation), serialise it. */
const MAX_CHANGES = 4;

/** One top-level member of the client's object: its key and the bytes from key to value end. */
interface Member {
  key: string;
  start: number;
  end: number;
}

/**
 * The bytes of `body` when it is the body parsed from `source` with a few top-level members
 * changed, added or removed: the client's bytes for every other member, the changed ones
 * serialised (added ones first). Undefined when there is no source, when more than a few
 * members changed, or when the client's text does not lend itself to a splice (a key written
 * with escapes, a key given twice): serialise `body` then.
 * @example
 * const bytes = bodyBytes({ ...source.body, model: 'gpt-4o' }, source) ?? JSON.stringify(body);
 */
export function bodyBytes(body: Record<string, unknown>, source: BodySource | undefined): Uint8Array | undefined {
  if (source === undefined) return undefined;
  const original = source.body;
  if (body === original) return source.bytes;
  const changed = new Set<string>();
  for (const key in body) {
    if (!Object.hasOwn(original, key) || original[key] !== body[key]) changed.add(key);
    if (changed.size > MAX_CHANGES) return undefined;
  }
  for (const key in original) {
    if (!Object.hasOwn(body, key)) changed.add(key);
    if (changed.size > MAX_CHANGES) return undefined;
  }
  const bytes = Buffer.isBuffer(source.bytes) ? source.bytes : Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
  const members = topLevelMembers(bytes);
  if (members === undefined) return undefined;
  const pieces: Buffer[] = [];
  let first = true;
  const add = (piece: Buffer) => {
    pieces.push(first ? OPEN : COMMA_BUF, piece);
    first = false;
  };
  const seen = new Set<string>();
  for (const key of changed) {
    if (!Object.hasOwn(original, key)) {
      const member = serialised(key, body[key]);
      if (member !== undefined) add(member);
    }
  }
  for (const m of members) {
    if (seen.has(m.key)) return undefined; // a key given twice: which one a parser keeps is its own choice
    seen.add(m.key);
    if (!changed.has(m.key)) {
      add(bytes.subarray(m.start, m.end));
      continue;
    }
    const member = Object.hasOwn(body, m.key) ? serialised(m.key, body[m.key]) : undefined;
    if (member !== undefined) add(member);
  }
  // Every changed key the parse found must have been found by the scan too (escaped keys already bailed).
  for (const key of changed) if (Object.hasOwn(original, key) && !seen.has(key)) return undefined;
  pieces.push(first ? EMPTY_OBJECT : CLOSE);
  return Buffer.concat(pieces);
}

const OPEN = Buffer.from('{');
const CLOSE = Buffer.from('}');
const COMMA_BUF = Buffer.from(',');
const EMPTY_OBJECT = Buffer.from('{}');

/** `"key":value` as JSON.stringify writes it; undefined for a value JSON leaves out. */
function serialised(key: string, value: unknown): Buffer | undefined {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : Buffer.from(`${JSON.stringify(key)}:${json}`);
}

/**
 * The top-level members of a JSON object text, in order; undefined when the text is not an
 * object or has a key with an escape in it. The text has already been parsed, so the scan only
 * finds boundaries: strings are skipped with native `indexOf` (most of a prompt is strings).
 */
function topLevelMembers(b: Buffer): Member[] | undefined {
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(b, i + 1);
  const members: Member[] = [];
  if (b[i] === CLOSE_BRACE) return members;
  for (;;) {
    if (b[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(b, i);
    if (keyEnd === -1) return undefined;
    for (let k = i + 1; k < keyEnd; k++) if (b[k] === BACKSLASH) return undefined;
    let j = skipSpace(b, keyEnd + 1);
    if (b[j] !== COLON) return undefined;
    j = valueEnd(b, skipSpace(b, j + 1));
    if (j === -1) return undefined;
    members.push({ key: b.toString('utf8', i + 1, keyEnd), start: i, end: j });
    i = skipSpace(b, j);
    if (b[i] === CLOSE_BRACE) return members;
    if (b[i] !== COMMA) return undefined;
    i = skipSpace(b, i + 1);
  }
}

function skipSpace(b: Buffer, i: number): number {
  while (i < b.length) {
    const c = b[i];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    i++;
  }
  return i;
}

/** Index of the quote that closes the string opening at `open`, or -1. */
function stringEnd(b: Buffer, open: number): number {
  let close = b.indexOf(QUOTE, open + 1);
  while (close !== -1 && isEscaped(b, close)) close = b.indexOf(QUOTE, close + 1);
  return close;
}

function isEscaped(b: Buffer, at: number): boolean {
  let n = 0;
  while (b[at - 1 - n] === BACKSLASH) n++;
  return (n & 1) === 1;
}

/** Index just past the value starting at `i`, or -1. */
function valueEnd(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) {
    const close = stringEnd(b, i);
    return close === -1 ? -1 : close + 1;
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let k = i; k < b.length; k++) {
      const d = b[k];
      if (d === QUOTE) {
        k = stringEnd(b, k);
        if (k === -1) return -1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next separator.
  let k = i;
  while (k < b.length) {
    const d = b[k];
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d === SPACE || d === LF || d === CR || d === TAB) break;
    k++;
  }
  return k === i ? -1 : k;
}
