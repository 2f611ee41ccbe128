/** Test support (not shipped): a Koa app that serves one adapter, for driving it with the official `openai` SDK. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import { toKoa } from '@switchyard/core/koa';
import type { ProviderAdapter } from '../adapter.js';
import type { HttpTransport } from '../transport.js';

export interface SdkApp {
  /** Base URL for the `openai` SDK (`…/v1`). */
  baseURL: string;
  close(): Promise<void>;
}

/** A tiny executor: one attempt at one adapter, the answer written by toKoa. */
export async function startSdkApp(adapter: ProviderAdapter, transport: HttpTransport): Promise<SdkApp> {
  const app = new Koa();
  app.use(
    toKoa(async function execute(exchange) {
      const result = await adapter.invoke(
        {
          format: exchange.format,
          body: exchange.body,
          model: exchange.requestedModel,
          stream: exchange.stream,
          headers: exchange.headers,
          requestId: exchange.id,
        },
        { transport, signal: exchange.signal },
      );
      exchange.response =
        result.kind === 'json'
          ? { kind: 'json', status: result.status, headers: result.headers, body: result.body }
          : { kind: 'stream', status: result.status, headers: result.headers, events: result.events };
    }),
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
