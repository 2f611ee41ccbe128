/**
 * The alternative transport, on got 14 in stream mode. got is an optional peer dependency:
 * only this module imports it (`@switchyard/providers/got`).
 * @see https://github.com/sindresorhus/got/blob/main/documentation/2-options.md
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import got, { type Request, type Response } from 'got';
import { TransportError, type HttpTransport, type TransportPhase, type TransportRequest, type TransportResponse } from '../transport.js';
import { callSignal, flattenHeaders, type CallSignals, mergeTimeouts, resolveTransportOptions, toTransportError, type TransportOptions } from './common.js';

/** Options of {@link createGotTransport}. Same fields as the undici transport. */
export type GotTransportOptions = TransportOptions;

const GOT_TIMEOUT_PHASE: Record<string, TransportPhase> = {
  lookup: 'connect',
  connect: 'connect',
  secureConnect: 'connect',
  socket: 'idle',
  send: 'first_byte',
  response: 'first_byte',
  read: 'idle',
  request: 'total',
};

/**
 * Create a transport on got (no retries: failover owns retrying). Same contract as
 * {@link createUndiciTransport}; the idle timeout is enforced between body chunks while the
 * consumer waits for the next one.
 *
 * @example
 * import { createGotTransport } from '@switchyard/providers/got';
 * const transport = createGotTransport({ timeouts: { connectMs: 5_000 } });
 */
export function createGotTransport(options: GotTransportOptions = {}): HttpTransport {
  const resolved = resolveTransportOptions(options);
  const agentOptions = { keepAlive: true, maxSockets: resolved.connections, maxFreeSockets: resolved.connections, timeout: resolved.keepAliveTimeout };
  const agent = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  async function request(req: TransportRequest): Promise<TransportResponse> {
    const timeouts = mergeTimeouts(resolved.timeouts, req.timeouts);
    const caller = req.signal;
    const { signal, total, dispose } = callSignal(caller, timeouts.totalMs);
    const signals = { caller, total };
    if (caller?.aborted) {
      dispose();
      throw toTransportError(caller.reason, 'request', signals);
    }
    const stream = got.stream(req.url, {
      method: req.method,
      headers: req.headers,
      body:
        req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
      agent,
      // got needs a standard AbortSignal: the caller's, or the total timeout link's.
      signal: signal instanceof AbortSignal || signal === undefined ? signal : signal.signal,
      retry: { limit: 0 },
      throwHttpErrors: false,
      decompress: false,
      followRedirect: false,
      timeout: {
        connect: timeouts.connectMs || undefined,
        response: timeouts.firstByteMs || undefined,
      },
    });
    let response: Response;
    try {
      response = await new Promise<Response>((resolve, reject) => {
        stream.once('response', resolve);
        stream.once('error', reject);
      });
    } catch (error) {
      stream.destroy();
      dispose();
      throw mapGotError(error, 'request', signals);
    }
    stream.removeAllListeners('error');
    // Keep a no-op listener: an error while nobody iterates must not crash the process.
    stream.on('error', noop);
    const body = iterate(stream, timeouts.idleMs, signals, dispose);
    return {
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      body,
      async text() {
        const chunks: Uint8Array[] = [];
        for await (const chunk of body) chunks.push(chunk);
        return Buffer.concat(chunks).toString('utf8');
      },
      abort() {
        stream.destroy();
        dispose();
      },
    };
  }

  return {
    name: 'got',
    request,
    async close() {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}

function noop(): void {}

class IdleTimeout extends Error {}

async function* iterate(stream: Request, idleMs: number, signals: CallSignals, dispose: () => void): AsyncGenerator<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  let idleFired = false;
  // Only upstream silence counts: the timer runs while we wait for a chunk, not while the consumer works.
  const arm =
    idleMs > 0
      ? () => {
          timer = setTimeout(() => {
            idleFired = true;
            stream.destroy(new IdleTimeout());
          }, idleMs);
        }
      : noop;
  try {
    arm();
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      clearTimeout(timer);
      yield chunk;
      arm();
    }
  } catch (error) {
    if (idleFired) throw new TransportError('upstream idle timeout', 'timeout', 'idle', { cause: error });
    throw mapGotError(error, 'body', signals);
  } finally {
    clearTimeout(timer);
    stream.destroy();
    dispose();
  }
}

function mapGotError(error: unknown, phase: 'request' | 'body', signals: CallSignals): TransportError {
  const event = (error as { event?: unknown } | null)?.event;
  const isTimeout = (error as { name?: unknown } | null)?.name === 'TimeoutError' && typeof event === 'string';
  return toTransportError(error, phase, signals, isTimeout ? (GOT_TIMEOUT_PHASE[event] ?? 'total') : undefined);
}
