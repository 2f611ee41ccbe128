/**
 * The default transport: undici with one keep-alive pool per upstream origin.
 * @see https://undici.nodejs.org/#/docs/api/Dispatcher
 * @module
 */
import { createRequire } from 'node:module';
import type { AbortWatch } from '@switchyard/core';
import type { Agent, Dispatcher } from 'undici';
import type { HttpTransport, TransportRequest, TransportResponse, TransportTimeouts, TransportPhase } from '../transport.js';
import {
  callSignal,
  errorCode,
  type CallSignals,
  flattenHeaders,
  mergeTimeouts,
  resolveTransportOptions,
  toTransportError,
  type TransportOptions,
} from './common.js';

/** Options of {@link createUndiciTransport}. Same fields as the got transport. */
export type UndiciTransportOptions = TransportOptions;

const TIMEOUT_PHASE: Record<string, TransportPhase> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'first_byte',
  UND_ERR_BODY_TIMEOUT: 'idle',
};

type RequestFn = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/**
 * The two parts of undici the transport uses: `Agent` and the promise `request` its index mixes
 * into every dispatcher. undici's index also loads fetch, WebSocket, EventSource, the cache, proxy
 * and mock agents: 4.7 MB of heap that a gateway keeps for its lifetime, against 1.7 MB for these
 * two modules. undici has no `exports` map, so its files are addressable; if a release moves them,
 * the whole package is loaded instead (same behaviour, more memory).
 */
function loadUndici(): { Agent: typeof Agent; request: RequestFn; whole: boolean } {
  const require = createRequire(import.meta.url);
  try {
    return {
      Agent: require('undici/lib/dispatcher/agent.js') as typeof Agent,
      request: require('undici/lib/api/api-request.js') as RequestFn,
      whole: false,
    };
  } catch {
    const undici = require('undici') as typeof import('undici');
    return { Agent: undici.Agent, request: undici.Dispatcher.prototype.request as RequestFn, whole: true };
  }
}

const undici = loadUndici();

/** Whether the transport had to load all of undici (its files moved); for tests. @internal */
export const undiciLoadedWhole = undici.whole;

/**
 * Create the undici transport. Agents are built once (one per distinct connect timeout, each
 * pooling keep-alive sockets per origin), never per request.
 *
 * @example
 * const transport = createUndiciTransport({ connections: 64, timeouts: { firstByteMs: 30_000 } });
 * const res = await transport.request({ method: 'POST', url, headers, body, signal });
 * for await (const chunk of res.body) write(chunk);
 * await transport.close();
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): HttpTransport {
  const resolved = resolveTransportOptions(options);
  // undici fixes the connect timeout per Agent, so a per-request connect timeout picks its Agent.
  const agents = new Map<number, Agent>();
  const agentFor = (connectMs: number): Agent => {
    let agent = agents.get(connectMs);
    if (!agent) {
      agent = new undici.Agent({ connections: resolved.connections, keepAliveTimeout: resolved.keepAliveTimeout, connect: { timeout: connectMs } });
      agents.set(connectMs, agent);
    }
    return agent;
  };
  agentFor(resolved.timeouts.connectMs);

  async function request(req: TransportRequest): Promise<TransportResponse> {
    const timeouts: TransportTimeouts = mergeTimeouts(resolved.timeouts, req.timeouts);
    // The lightweight watch when the caller gave one: reading `req.signal` may build an AbortSignal.
    const caller: AbortWatch | undefined = req.abort ?? req.signal;
    const { signal, total, dispose } = callSignal(caller, timeouts.totalMs);
    const signals = { caller, total };
    if (caller?.aborted) {
      dispose();
      throw toTransportError(caller.reason, 'request', signals);
    }
    const { origin, path } = splitUrl(req.url);
    let res;
    try {
      res = await undici.request.call(agentFor(timeouts.connectMs), {
        origin,
        path,
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: undiciSignal(signal),
        headersTimeout: timeouts.firstByteMs,
        bodyTimeout: timeouts.idleMs,
      });
    } catch (error) {
      dispose();
      throw toTransportError(error, 'request', signals, TIMEOUT_PHASE[errorCode(error)]);
    }
    const body = res.body;
    return {
      status: res.statusCode,
      headers: flattenHeaders(res.headers),
      body: iterate(body, signals, dispose),
      async text() {
        try {
          return await body.text();
        } catch (error) {
          throw toTransportError(error, 'body', signals, TIMEOUT_PHASE[errorCode(error)]);
        } finally {
          dispose();
        }
      },
      abort() {
        // Destroying an unfinished undici body aborts the request and its socket at once.
        body.destroy();
        dispose();
      },
    };
  }

  return {
    name: 'undici',
    request,
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      agents.clear();
    },
  };
}

async function* iterate(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, signals: CallSignals, dispose: () => void): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    throw toTransportError(error, 'body', signals, TIMEOUT_PHASE[errorCode(error)]);
  } finally {
    body.destroy();
    dispose();
  }
}

/**
 * undici follows any object with `aborted`, `reason` and `addEventListener` /
 * `removeEventListener` as a request's signal (lib/api/abort-signal.js); its types only name
 * AbortSignal and EventEmitter, so a watch is typed as the former here.
 */
function undiciSignal(watch: AbortWatch | undefined): AbortSignal | undefined {
  return watch as AbortSignal | undefined;
}

function splitUrl(url: string): { origin: string; path: string } {
  const scheme = url.indexOf('://');
  if (scheme === -1) throw new TypeError(`transport: not an absolute URL: ${url}`);
  const slash = url.indexOf('/', scheme + 3);
  return slash === -1 ? { origin: url, path: '/' } : { origin: url.slice(0, slash), path: url.slice(slash) };
}
