/**
 * Starts the Switchyard gateway as a system under test, configured with one
 * `openai-compatible` provider pointing at the bench upstream.
 * @module
 */
import { createGateway } from '@switchyard/gateway';

/** The transports the gateway can call upstreams with. */
export type GatewayTransport = 'undici' | 'got';

/** A running gateway: its port and how to stop it. */
export interface RunningGateway {
  port: number;
  close(): Promise<void>;
}

/**
 * The gateway config the bench runs: one provider, one model, nothing else set, so every
 * default (middleware stack, logging) is what a user gets out of the box.
 */
export function benchGatewayConfig(upstreamPort: number): Record<string, unknown> {
  return {
    ai_gateway: {
      providers: [
        { name: 'upstream', type: 'openai-compatible', base_url: `http://127.0.0.1:${upstreamPort}/v1`, api_key: 'bench', models: ['bench-model'] },
      ],
    },
  };
}

/**
 * Creates the gateway with the given transport and listens on 127.0.0.1, port 0.
 * @example
 * const gw = await startGateway(4000, 'undici');
 * await gw.close();
 */
export async function startGateway(upstreamPort: number, transport: GatewayTransport): Promise<RunningGateway> {
  const gateway = await createGateway({ config: benchGatewayConfig(upstreamPort), transport });
  const server = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway did not report a TCP port');
  return { port: address.port, close: () => gateway.close() };
}
