import type { IncomingMessage } from 'node:http';

/**
 * Read a small request body as UTF-8, refusing more than `limit` bytes.
 * @example const text = await readBody(req, 4096)
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new RangeError('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
