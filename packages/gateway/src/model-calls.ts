/**
 * Internal model calls (the categoriser's classifier, the judge): one short, non-streamed chat
 * completion straight through a provider adapter — outside the pipeline, so a failing call
 * never trips a breaker, never counts against a provider's health and never retries. Each call
 * is priced from the catalog and written to the request log as a usage row of its own (key
 * `null`, strategy `classifier` or `judge`), so `/admin/usage` and the logs show what it cost,
 * and counted in the `switchyard_internal_*` metrics.
 * @module
 */
import { timeOrderedId, type Logger } from '@switchyard/core';
import type { Catalog } from '@switchyard/model-mapping';
import type { HttpTransport, ProviderAdapter } from '@switchyard/providers';
import type { ModelCall } from '@switchyard/experiments';
import type { RequestLogRecord, UsageAccounting } from '@switchyard/usage-accounting';

/**
 * A {@link ModelCall} over the gateway's adapters.
 * @example experiments({ call: modelCalls({ adapters, transport, catalog, accounting }) })
 */
export function modelCalls(deps: {
  adapters: ReadonlyMap<string, ProviderAdapter>;
  transport: HttpTransport;
  catalog: Catalog;
  accounting?: UsageAccounting;
  logger?: Logger;
  now?: () => number;
}): ModelCall {
  const now = deps.now ?? Date.now;
  return async function modelCall(request) {
    const adapter = deps.adapters.get(request.provider);
    if (!adapter) throw new Error(`no provider "${request.provider}"`);
    const started = now();
    const id = `${request.purpose}-${timeOrderedId()}`;
    const body = {
      model: request.model,
      max_tokens: request.maxTokens,
      temperature: 0,
      messages: [
        { role: 'system', content: request.system },
        { role: 'user', content: request.prompt },
      ],
    };
    const record = (status: number, outcome: RequestLogRecord['outcome'], extra: Partial<RequestLogRecord>): RequestLogRecord => ({
      id,
      time: started,
      keyId: null,
      keyName: null,
      requestedModel: request.model,
      resolvedModel: outcome === 'completed' ? request.model : null,
      provider: outcome === 'completed' ? request.provider : null,
      strategy: request.purpose,
      attempts: [
        { provider: request.provider, model: request.model, outcome: outcome === 'completed' ? 'success' : 'failure', status, latencyMs: now() - started },
      ],
      status,
      outcome,
      latencyMs: now() - started,
      ttftMs: null,
      usage: null,
      costUsd: null,
      format: 'openai.chat',
      stream: false,
      ...extra,
    });
    let text: string;
    try {
      const result = await adapter.invoke(
        { format: 'openai.chat', body, model: request.model, stream: false, headers: {}, requestId: id },
        { transport: deps.transport, signal: request.signal, now },
      );
      if (result.kind !== 'json') throw new Error('expected a JSON answer');
      const parsed = JSON.parse(result.body) as { choices?: { message?: { content?: unknown } }[] };
      const content = parsed.choices?.[0]?.message?.content;
      text = typeof content === 'string' ? content : '';
      const usage = result.usage;
      const costUsd = usage ? deps.catalog.cost(request.provider, request.model, usage) : null;
      deps.accounting?.recordInternalCall(
        record(result.status, 'completed', {
          ttftMs: result.firstByteAt - started,
          costUsd,
          ...(costUsd === null ? { costReason: usage ? 'unpriced model' : 'no usage reported' } : {}),
          usage: usage
            ? {
                input: usage.inputTokens,
                output: usage.outputTokens,
                cacheRead: usage.cacheReadTokens,
                cacheWrite: usage.cacheWriteTokens,
                cacheWrite1h: usage.cacheWrite1hTokens ?? 0,
                reasoning: usage.reasoningTokens,
                source: usage.source,
              }
            : null,
        }),
      );
      return { text, costUsd };
    } catch (err) {
      const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 502;
      deps.accounting?.recordInternalCall(record(status, 'failed', { error: String((err as Error)?.message ?? err).slice(0, 200) }));
      throw err;
    }
  };
}
