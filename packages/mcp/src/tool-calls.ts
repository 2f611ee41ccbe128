import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { KeyLimits, Principal } from '@switchyard/core';
import { mergeLimits } from '@switchyard/rate-limit';
import { McpErrorCode } from './errors.js';
import type { McpMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { ToolCallRecord } from './tool-call-log.js';

/** The limits that make sense for tool calls: request rate and concurrency (tokens do not apply). */
function callLimits(defaults: KeyLimits | undefined, own: KeyLimits | undefined): KeyLimits {
  const { requestsPerMinute, concurrentRequests } = mergeLimits(defaults, own);
  const out: KeyLimits = {};
  if (requestsPerMinute !== undefined) out.requestsPerMinute = requestsPerMinute;
  if (concurrentRequests !== undefined) out.concurrentRequests = concurrentRequests;
  return out;
}

/**
 * What surrounds every tool call: the key's rate limit before it, and after it one log line,
 * the metrics and the `onToolCall` record.
 */
export class ToolCalls {
  constructor(
    private readonly o: ResolvedOptions,
    private readonly metrics: McpMetrics | undefined,
  ) {}

  /**
   * Take one call from the principal's request rate and concurrency; returns the release to call
   * when it ends. Throws the rate-limit JSON-RPC error (with `retry_after_ms`) when refused.
   */
  async admit(principal: Principal): Promise<() => void> {
    const rl = this.o.rateLimit;
    if (!rl) return () => {};
    const limits = callLimits(rl.defaultLimits, principal.limits);
    if (limits.requestsPerMinute === undefined && limits.concurrentRequests === undefined) return () => {};
    const key = rl.keyOf ? rl.keyOf(principal) : `k:${principal.id}`;
    const { decision, handle } = await rl.limiter.reserve(key, limits, { inputTokens: 0, outputTokens: 0 });
    if (!decision.allowed || !handle) {
      const retryAfterMs = Number.isFinite(decision.retryAfterMs) ? Math.ceil(decision.retryAfterMs) : null;
      throw new McpError(McpErrorCode.rateLimited, 'Rate limit reached for this API key', { retry_after_ms: retryAfterMs, limit: decision.rejectedBy });
    }
    return () => {
      rl.limiter
        .settle(handle, { inputTokens: 0, outputTokens: 0 })
        .catch((err: unknown) => this.o.logger.warn({ err: (err as Error)?.message }, 'Could not release an MCP rate-limit slot'));
    };
  }

  /** Report a finished call. */
  record(record: ToolCallRecord): void {
    const labels = { profile: record.profile, member: record.member ?? '' };
    this.metrics?.toolCalls.inc({ ...labels, outcome: record.outcome });
    if (record.member) this.metrics?.toolCallSeconds.observe(labels, record.durationMs / 1000);
    const level = record.outcome === 'ok' || record.outcome === 'tool_error' ? 'info' : 'warn';
    this.o.logger[level]({ ...record }, 'mcp tool call');
    try {
      this.o.onToolCall?.(record);
    } catch (err) {
      this.o.logger.warn({ err: (err as Error)?.message }, 'onToolCall threw');
    }
  }
}
