import type { IncomingMessage } from 'node:http';
import { parseJsonObject, readRawBody } from '@switchyard/core';

/** Largest admin request body: admin payloads are small. */
export const ADMIN_BODY_LIMIT = 64 * 1024;

/**
 * Read an admin request's JSON object body (a body-parser's result is used when present).
 * 413 over the limit, 400 on malformed JSON.
 */
export async function readJsonBody(req: IncomingMessage, parsed: unknown, limit = ADMIN_BODY_LIMIT): Promise<Record<string, unknown>> {
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0) {
    return parsed as Record<string, unknown>;
  }
  return parseJsonObject(await readRawBody(req, limit));
}
