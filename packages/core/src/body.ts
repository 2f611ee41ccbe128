import type { IncomingMessage } from 'node:http';
import { GatewayError } from './errors.js';
import type { ClientFormat } from './types.js';

/** Default request body limit: 10 MiB, room for several base64 images. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * The client format a request path implies, or undefined for paths that are not AI calls.
 * @example formatForPath('/ai/v1/messages') // 'anthropic.messages'
 */
export function formatForPath(path: string): ClientFormat | undefined {
  if (path.endsWith('/chat/completions')) return 'openai.chat';
  if (path.endsWith('/messages/count_tokens')) return 'anthropic.count_tokens';
  if (path.endsWith('/messages')) return 'anthropic.messages';
  if (path.endsWith('/embeddings')) return 'openai.embeddings';
  return undefined;
}

/** Default time a request body may take to arrive: 30 s. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/** Default deepest JSON nesting accepted in a request body: 64 levels of objects and arrays. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Read a request body up to `limit` bytes within `timeoutMs`. A declared or actual size over the
 * limit is a 413 before more of the body is buffered (the rest is drained unread, so the 413 is
 * still written); a body that has not fully arrived in time is a 408 that closes the connection
 * (its unread rest cannot be skipped). `timeoutMs` 0 waits for ever.
 * @example const raw = await readRawBody(req, 1024 * 1024, 30_000);
 */
export function readRawBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = timeoutMs > 0 ? setTimeout(() => fail(bodyTimeout(timeoutMs)), timeoutMs) : undefined;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(tooLarge(limit));
        req.resume(); // drain without buffering so the 413 can still be written
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new GatewayError('The request body ended before it was complete', { status: 400, code: 'incomplete_body' }));
    function stop() {
      if (timer) clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    }
    function fail(err: unknown) {
      stop();
      reject(err);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function bodyTimeout(ms: number): GatewayError {
  return new GatewayError(`The request body did not arrive within ${ms} ms`, {
    status: 408,
    code: 'request_timeout',
    headers: { connection: 'close' },
  });
}

/**
 * Refuse a body that does not declare JSON: `application/json` (any parameters, such as a
 * charset) or no content type at all are accepted; anything else is a 415.
 * @example assertJsonContentType(req.headers['content-type']) // throws on 'text/plain'
 */
export function assertJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (media === 'application/json' || media === '') return;
  throw new GatewayError('Request body must be JSON: send Content-Type: application/json', {
    status: 415,
    code: 'unsupported_media_type',
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(`Request body is larger than the limit of ${limit} bytes`, {
    status: 413,
    code: 'request_too_large',
  });
}

/**
 * Parse a JSON request body that must be an object. Malformed JSON, non-object bodies and
 * nesting deeper than `maxDepth` (objects and arrays; the body itself is level 1) are 400s
 * naming the problem. The depth is checked before parsing, so no deep value is ever built.
 * @example parseJsonObject('{"a":[1]}', 64) // { a: [1] }
 */
export function parseJsonObject(raw: Buffer | string, maxDepth = DEFAULT_MAX_JSON_DEPTH): Record<string, unknown> {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim().length === 0) {
    throw new GatewayError('Request body is empty: expected a JSON object', { status: 400, code: 'invalid_json' });
  }
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new GatewayError(`Request body nests JSON deeper than the limit of ${maxDepth} levels`, { status: 400, code: 'json_too_deep' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GatewayError(`Request body is not valid JSON: ${(err as Error).message}`, {
      status: 400,
      code: 'invalid_json',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayError('Request body must be a JSON object', { status: 400, code: 'invalid_json' });
  }
  return value as Record<string, unknown>;
}

/**
 * Whether JSON text opens more than `max` nested objects/arrays at some point. Strings are
 * skipped with indexOf, so a large body of base64 images costs little more than a copy.
 * Malformed text is left for JSON.parse to report.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return false;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * Turn a node header object into plain lower-cased single-valued data.
 */
export function headerMap(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  // for…in, not Object.entries: no pair array per header on every request.
  for (const name in headers) {
    const value = headers[name];
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
