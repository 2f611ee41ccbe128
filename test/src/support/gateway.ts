/** Start the real gateway on 127.0.0.1 in front of test upstreams. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createGateway, type Gateway, type GatewayOptions } from '@switchyard/gateway';

export const OPENAI_UPSTREAM_KEY = 'sk-upstream-openai-SECRET-0001';
export const ANTHROPIC_UPSTREAM_KEY = 'sk-ant-upstream-SECRET-0002';

export interface RunningGateway {
  gateway: Gateway;
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const gateway = await createGateway(options);
  const server = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  return { gateway, server, url: `http://127.0.0.1:${port}`, close: () => gateway.close() };
}

/** A config with one OpenAI-compatible and one Anthropic upstream. */
export function twoUpstreamConfig(openaiUrl: string, anthropicUrl: string) {
  return {
    storage: { sqlite_path: ':memory:' },
    ai_gateway: {
      providers: [
        { name: 'openai', type: 'openai', base_url: `${openaiUrl}/v1`, api_key: OPENAI_UPSTREAM_KEY, models: ['gpt-4o-mini', 'gpt-4o-2024-08-06'] },
        { name: 'anthropic', type: 'anthropic', base_url: anthropicUrl, api_key: ANTHROPIC_UPSTREAM_KEY, models: ['claude-opus-4-8', 'claude-sonnet-4-5'] },
      ],
    },
  };
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/exchanges/${name}`, import.meta.url), 'utf8')) as T;
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../../fixtures/exchanges/${name}`, import.meta.url), 'utf8');
}
