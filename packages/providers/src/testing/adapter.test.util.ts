/** Test support (not shipped): one adapter against a local upstream, and the helpers adapter tests share. */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import type { ProviderAdapter, ProviderConfig } from '../adapter.js';
import { isProviderError, type ProviderError } from '../provider-error.js';
import type { HttpTransport } from '../transport.js';
import { createUndiciTransport } from '../transport/undici.js';
import { createAdapter } from '../registry.js';
import { startUpstream, writeInPieces, type Recorded, type Upstream } from './upstream.test.util.js';
import { startSdkApp, type SdkApp } from './sdk-app.test.util.js';

export interface AdapterTestEnv {
  /** The local upstream the adapter calls; available once `before` ran. */
  readonly upstream: Upstream;
  /** The adapter under test, built from the config for the upstream's URL; available once `before` ran. */
  readonly adapter: ProviderAdapter;
  readonly transport: HttpTransport;
  /** A signal that never aborts. */
  readonly signal: AbortSignal;
  /** An `openai` SDK client whose requests a Koa app serves with the adapter; only with `{ sdk: true }`. */
  readonly sdk: OpenAI;
}

/**
 * Registers `before`/`after` hooks in the enclosing `describe`: a local upstream, the adapter
 * `config(upstream.url)` describes, an undici transport and (with `sdk`) an `openai` SDK app;
 * all closed afterwards, app first so no request outlives the transport.
 *
 * @example
 * describe('mistral adapter', () => {
 *   const env = useAdapterUpstream((url) => ({ name: 'mi', type: 'mistral', base_url: `${url}/v1`, api_key: KEY }));
 *   const { transport, signal } = env;
 *   it('answers', async () => {
 *     env.upstream.set(sendJson({ id: 'c1' }));
 *     await env.adapter.invoke(call(), { transport, signal });
 *   });
 * });
 */
export function useAdapterUpstream(config: (upstreamUrl: string) => ProviderConfig, options: { sdk?: boolean } = {}): AdapterTestEnv {
  const transport = createUndiciTransport();
  const signal = new AbortController().signal;
  let upstream: Upstream | undefined;
  let adapter: ProviderAdapter | undefined;
  let app: SdkApp | undefined;
  let sdk: OpenAI | undefined;
  before(async () => {
    upstream = await startUpstream();
    adapter = createAdapter(config(upstream.url));
    if (options.sdk) {
      app = await startSdkApp(adapter, transport);
      sdk = new OpenAI({ baseURL: app.baseURL, apiKey: 'client-key', maxRetries: 0 });
    }
  });
  after(async () => {
    await app?.close();
    await transport.close();
    await upstream?.close();
  });
  const ready = <T>(value: T | undefined, what: string): T => value ?? assert.fail(`${what} is not ready (used outside a test, or without the option?)`);
  return {
    transport,
    signal,
    get upstream() {
      return ready(upstream, 'upstream');
    },
    get adapter() {
      return ready(adapter, 'adapter');
    },
    get sdk() {
      return ready(sdk, 'sdk');
    },
  };
}

/** The ProviderError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isProviderError(error), `expected ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

/** An upstream handler answering `body` as JSON (a string is sent as it is). */
export function sendJson(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return (_req: Recorded, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

/** An upstream handler answering `text` as a 200 event stream, written in pieces of `pieceSize` bytes. */
export function sendSse(text: string, pieceSize: number, headers: Record<string, string> = {}) {
  return async (_req: Recorded, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
    await writeInPieces(res, text, pieceSize);
    res.end();
  };
}
