/**
 * Starts the Switchyard gateway as a system under test, configured with one
 * `openai-compatible` provider pointing at the bench upstream.
 * @module
 */
import { createGateway } from '@switchyard/gateway';
import { createUndiciTransport, type HttpTransport } from '@switchyard/providers';
import { BENCH_CLIENT_KEYS } from './requests.js';
import { HEALTHY_PREFIX } from './upstream.js';

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
      providers: [{ name: 'upstream', type: 'openai-compatible', base_url: `http://127.0.0.1:${upstreamPort}/v1`, api_key: 'bench', models: ['bench-model'] }],
    },
  };
}

/**
 * The full stack (issue 14): client keys required (the soak's eight), a token budget on every key, the SQLite
 * request log (the default), metrics (the default), two providers in a priority chain at the same
 * upstream (the secondary under {@link HEALTHY_PREFIX}, so it answers what the soak's faults make the
 * primary fail), failover (the default). The budget is far above what a run spends, so it is checked
 * and charged on every request but never refuses one.
 */
export function benchFullStackConfig(upstreamPort: number): Record<string, unknown> {
  const provider = (name: string, prefix = '') => ({
    name,
    type: 'openai-compatible',
    base_url: `http://127.0.0.1:${upstreamPort}${prefix}/v1`,
    api_key: 'bench',
    models: ['bench-model'],
  });
  return {
    auth: { required: true, keys: BENCH_CLIENT_KEYS.map((key, i) => ({ name: `bench-${i}`, key })) },
    usage: { enabled: true },
    metrics: { enabled: true },
    ai_gateway: {
      providers: [provider('primary'), provider('secondary', HEALTHY_PREFIX)],
      routing: {
        strategy: 'priority',
        providers: [
          { name: 'primary', priority: 1 },
          { name: 'secondary', priority: 2 },
        ],
      },
      rate_limits: { default_limits: { total_tokens_per_hour: 1_000_000_000_000 } },
    },
  };
}

/** Settings of the gateway under test beyond the config. */
export interface GatewayTargetOptions {
  /**
   * Most sockets the transport keeps per upstream origin. Defaults to the transport's own
   * default (128): the concurrency scenario raises it so that every client stream gets its own
   * upstream connection, as through the bare proxy.
   */
  upstreamConnections?: number;
  /** Run {@link benchFullStackConfig} instead of {@link benchGatewayConfig}. Defaults to false. */
  fullStack?: boolean;
}

async function buildTransport(transport: GatewayTransport, connections: number | undefined): Promise<GatewayTransport | HttpTransport> {
  if (connections === undefined) return transport;
  if (transport === 'undici') return createUndiciTransport({ connections });
  const { createGotTransport } = await import('@switchyard/providers/got');
  return createGotTransport({ connections });
}

/**
 * Creates the gateway with the given transport and listens on 127.0.0.1, port 0.
 * @example
 * const gw = await startGateway(4000, 'undici');
 * await gw.close();
 */
export async function startGateway(upstreamPort: number, transport: GatewayTransport, options: GatewayTargetOptions = {}): Promise<RunningGateway> {
  const gateway = await createGateway({
    config: (options.fullStack ? benchFullStackConfig : benchGatewayConfig)(upstreamPort),
    transport: await buildTransport(transport, options.upstreamConnections),
  });
  const server = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway did not report a TCP port');
  return { port: address.port, close: () => gateway.close() };
}
