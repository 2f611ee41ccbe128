import { ProviderError, type HttpTransport, type ProviderAdapter } from '@switchyard/providers';

/** Two in-process adapters: `a` is always overloaded (503); `b` answers with the model it was asked for. */
export function overloadedAndHealthy(): Map<string, ProviderAdapter> {
  const base = { type: 'fake', models: [], supports: () => true, classify: () => ({ kind: 'server_error' as const, message: '' }) };
  const overloaded = async (): Promise<never> => {
    throw new ProviderError('a is overloaded', { kind: 'overloaded', provider: 'a', upstreamStatus: 503 });
  };
  return new Map<string, ProviderAdapter>([
    ['a', { ...base, name: 'a', config: { name: 'a', type: 'fake' }, invoke: overloaded }],
    [
      'b',
      {
        ...base,
        name: 'b',
        config: { name: 'b', type: 'fake' },
        invoke: async (call) => {
          const body = JSON.stringify({ id: 'x', object: 'chat.completion', model: call.model, choices: [] });
          return { kind: 'json', status: 200, headers: {}, body, firstByteAt: 0 };
        },
      },
    ],
  ]);
}

/** A transport the fake adapters never use. */
export const unusedTransport: HttpTransport = { name: 'none', request: () => Promise.reject(new Error('unused')), close: async () => {} };
