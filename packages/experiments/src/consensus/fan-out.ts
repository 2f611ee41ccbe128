import { Exchange, toGatewayError, type Attempt, type ClientFormat, type JsonResponse, type Target, type Usage } from '@switchyard/core';

/** One upstream call made for a consensus request. */
export interface CallResult {
  target: Target;
  /** The answer (a JSON response with a status below 400), when the target answered. */
  response?: JsonResponse;
  /** Why it did not. */
  error?: unknown;
  usage?: Usage;
  /** Its tries, marked `consensus`, the billed one carrying its usage. */
  attempts: Attempt[];
}

/**
 * Make one upstream call for `parent` through `execute`, as a child exchange of its own whose plan
 * is `target` alone (the executor's retries, breaker and health apply as for any request). The
 * child is aborted with the parent and settled when the call is over.
 */
export async function callTarget(
  parent: Exchange,
  execute: (exchange: Exchange) => Promise<void>,
  target: Target,
  request: { format: ClientFormat; body: Record<string, unknown>; strategy: string; reason: string; index: number },
): Promise<CallResult> {
  const child = new Exchange({
    format: request.format,
    body: request.body,
    headers: parent.headers,
    path: parent.path,
    id: `${parent.id}.${request.index}`,
    now: () => parent.now(),
  });
  if (parent.principal) child.principal = parent.principal;
  child.plan = { strategy: request.strategy, targets: [{ ...target, reason: request.reason }] };
  const abort = () => child.abort(parent.abortWatch.reason);
  if (parent.abortWatch.aborted) abort();
  else parent.abortWatch.addEventListener('abort', abort, { once: true });
  let error: unknown;
  try {
    await execute(child);
    if (!child.response || child.response.kind !== 'json' || child.response.status >= 400)
      error = new Error(`Upstream ${target.provider}/${target.model} gave no JSON answer`);
  } catch (err) {
    error = err;
  } finally {
    parent.abortWatch.removeEventListener('abort', abort);
  }
  child.settle(
    error === undefined
      ? { outcome: 'completed', status: child.response!.status }
      : { outcome: parent.abortWatch.aborted ? 'aborted' : 'failed', status: toGatewayError(error).status, error },
  );
  for (const attempt of child.attempts) attempt.role = 'consensus';
  const served = child.attempts.findLast((a) => a.outcome === 'success');
  if (served && child.usage) served.usage = child.usage;
  return {
    target,
    attempts: child.attempts,
    ...(error === undefined ? { response: child.response as JsonResponse } : { error }),
    ...(child.usage ? { usage: child.usage } : {}),
  };
}

/** The sum of several usages (`estimated` if any part is). */
export function addUsage(usages: readonly (Usage | undefined)[]): Usage | undefined {
  const present = usages.filter((u): u is Usage => u !== undefined);
  if (present.length === 0) return undefined;
  const sum: Usage = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    reasoningTokens: 0,
    source: 'provider',
  };
  for (const u of present) {
    sum.inputTokens += u.inputTokens;
    sum.outputTokens += u.outputTokens;
    sum.cacheReadTokens += u.cacheReadTokens;
    sum.cacheWriteTokens += u.cacheWriteTokens;
    sum.cacheWrite1hTokens! += u.cacheWrite1hTokens ?? 0;
    sum.reasoningTokens += u.reasoningTokens;
    if (u.source === 'estimated') sum.source = 'estimated';
  }
  return sum;
}
