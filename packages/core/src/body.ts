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

/**
 * Read a request body up to `limit` bytes. A declared or actual size over the limit is a 413
 * before more of the body is buffered. (Leaving the loop early does not cut the connection:
 * node detaches the socket before destroying a server request, so the 413 is still written.)
 * @example const raw = await readRawBody(req, 1024 * 1024);
 */
export async function readRawBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume(); // drain without buffering so the 413 can still be written
      throw tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(`Request body is larger than the limit of ${limit} bytes`, {
    status: 413,
    code: 'request_too_large',
  });
}

/**
 * Parse a JSON request body that must be an object. Malformed JSON and non-object bodies are
 * 400s naming the problem.
 */
export function parseJsonObject(raw: Buffer | string): Record<string, unknown> {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim().length === 0) {
    throw new GatewayError('Request body is empty: expected a JSON object', { status: 400, code: 'invalid_json' });
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
 * Turn a node header object into plain lower-cased single-valued data.
 */
export function headerMap(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
