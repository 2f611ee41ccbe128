/**
 * The embedded configuration `npm start` runs on: two simulated providers, no keys, no
 * network, no external services.
 */
export const DEFAULT_CONFIG = {
  ai_gateway: {
    providers: [
      {
        name: 'sim-fast',
        type: 'simulated',
        models: ['sim-fast-1', 'gpt-4o-mini', 'claude-3-5-haiku-latest'],
        latency_ms: 20,
        tokens_per_second: 400,
      },
      {
        name: 'sim-smart',
        type: 'simulated',
        models: ['sim-smart-1', 'gpt-4o', 'claude-sonnet-4-20250514'],
        latency_ms: 120,
        tokens_per_second: 80,
      },
    ],
    routing: {
      strategy: 'priority',
      providers: [
        { name: 'sim-fast', priority: 1 },
        { name: 'sim-smart', priority: 2 },
      ],
    },
    model_mapping: {
      fast: { 'sim-fast': 'sim-fast-1' },
      smart: { 'sim-smart': 'sim-smart-1' },
    },
  },
};
