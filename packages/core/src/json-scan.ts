/**
 * Cheap looks into JSON text without parsing it: most stream events only pass through, and
 * building their object graph (then collecting it) is most of what a gateway spends on them.
 * These scans decide which few events are worth a real `JSON.parse`.
 *
 * They rely on one property of JSON text: a quote inside a string is always escaped, so an
 * unescaped `"name"` followed by `:` can only be an object key.
 * @module
 */
import { SPACE, TAB, LF, CR, QUOTE, COLON, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } from './json-chars.js';

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/**
 * Where the value of the first `"key":` at or after `from` starts (its first non-space
 * character), or -1 when there is none. `key` is given with its quotes, e.g. `'"usage"'`.
 * @example valueIndex('{"index": 2}', '"index"') // 10
 */
export function valueIndex(text: string, key: string, from = 0): number {
  // The search is for the key without its opening quote, checked afterwards: the engine's
  // search looks for a pattern's first character, and `"` is the commonest one in JSON, so
  // `usage"` is found 4-6 times faster than `"usage"` in a typical stream chunk.
  const tail = key.slice(1);
  let at = text.indexOf(tail, from + 1);
  while (at !== -1) {
    let i = at + tail.length;
    if (text.charCodeAt(at - 1) === QUOTE) {
      while (isSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === COLON) {
        i++;
        while (isSpace(text.charCodeAt(i))) i++;
        return i;
      }
    }
    at = text.indexOf(tail, i);
  }
  return -1;
}

/**
 * Whether some `"key": value` in the JSON text (at or after `from`) has a value other than `null`, at any depth.
 * A prefilter: false means no such key holds a value; true means parse to see which one.
 * @example hasKeyValue('{"usage":null}', '"usage"') // false
 * @example hasKeyValue('{"choices":[],"usage":{"prompt_tokens":3}}', '"usage"') // true
 */
export function hasKeyValue(text: string, key: string, from = 0): boolean {
  for (let i = valueIndex(text, key, from); i !== -1; i = valueIndex(text, key, i)) {
    if (!text.startsWith('null', i)) return true;
  }
  return false;
}

/**
 * The string value of the first `"key": …` in the JSON text, decoded; undefined when the key
 * is missing, its first value is not a string, or the string is not valid JSON. Only the string
 * itself is parsed (and only when it holds an escape), never the text around it.
 * @example stringValue('{"delta":{"text":"Hi \\"you\\""}}', '"text"') // 'Hi "you"'
 */
export function stringValue(text: string, key: string): string | undefined {
  const start = valueIndex(text, key);
  return start === -1 ? undefined : stringAt(text, start);
}

/**
 * The string value of the object's own (top-level) `"key": …`, decoded; undefined when the
 * text is not an object, has no such member, its value is not a string, or a key is written
 * with escapes. Members before it are walked over, not parsed, and nested ones never match:
 * an OpenAI chunk's `id`, not a tool call's.
 * @example topLevelString('{"choices":[{"id":"call_1"}],"id":"chatcmpl-1"}', '"id"') // 'chatcmpl-1'
 */
export function topLevelString(text: string, key: string): string | undefined {
  let i = 0;
  while (isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = closingQuote(text, i);
      if (close === -1) return undefined;
      if (depth === 1 && close - i + 1 === key.length && text.startsWith(key, i)) {
        let j = close + 1;
        while (isSpace(text.charCodeAt(j))) j++;
        if (text.charCodeAt(j) === COLON) {
          j++;
          while (isSpace(text.charCodeAt(j))) j++;
          return stringAt(text, j);
        }
      }
      i = close;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
      return undefined;
    }
  }
  return undefined;
}

/** The string literal starting at `start`, decoded; undefined when there is none or it does not close. */
function stringAt(text: string, start: number): string | undefined {
  if (text.charCodeAt(start) !== QUOTE) return undefined;
  let escaped = false;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return escaped ? parseString(text.slice(start, i + 1)) : text.slice(start + 1, i);
    if (c === BACKSLASH) {
      escaped = true;
      i++;
    }
  }
  return undefined; // never closed
}

/** Where the string opened by the quote at `open` closes, or -1 when it does not. */
function closingQuote(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1 && isEscaped(text, close)) close = text.indexOf('"', close + 1);
  return close;
}

function parseString(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}

/**
 * Whether the text has the shape of one JSON object: it opens with `{`, every string, array and
 * object closes, and the object that opened it closes at its last non-space character. A
 * structural check, not a validation (`{"a":tru}` passes; text with a line break is parsed):
 * it catches what breaks a client's parser in practice, a cut-off or garbled event, without
 * building anything.
 * @example isJsonObjectText('{"choices":[{"delta":{"content":"}"}}]}') // true
 * @example isJsonObjectText('{"choices":[{"delta":') // false
 */
export function isJsonObjectText(text: string): boolean {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (text.charCodeAt(start) !== OPEN_BRACE || text.charCodeAt(end - 1) !== CLOSE_BRACE) return false;
  // Data spread over several `data:` lines holds a line break, which no JSON string may: rare
  // enough to be judged by a parse.
  if (text.indexOf('\n') !== -1 || text.indexOf('\r') !== -1) return parsesAsObject(text);
  // One bit per open container (1 = object), so `{]` is caught too; text nested deeper than
  // the bits hold is judged by a parse.
  let stack = 0;
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote (native indexOf; most of an event is strings).
      const close = closingQuote(text, i);
      if (close === -1 || close >= end) return false;
      i = close;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === 31) return parsesAsObject(text);
      stack = (stack << 1) | (c === OPEN_BRACE ? 1 : 0);
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0 || (stack & 1) !== (c === CLOSE_BRACE ? 1 : 0)) return false;
      stack >>>= 1;
      depth--;
      if (depth === 0 && i !== end - 1) return false;
    }
  }
  return depth === 0;
}

/** Whether the quote at `at` is escaped (an odd number of backslashes before it). */
function isEscaped(text: string, at: number): boolean {
  let n = 0;
  while (text.charCodeAt(at - 1 - n) === BACKSLASH) n++;
  return (n & 1) === 1;
}

function parsesAsObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
