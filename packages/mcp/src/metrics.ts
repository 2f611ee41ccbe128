import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The `switchyard_mcp_*` metrics. Labels are profile and member names from the config, and a fixed outcome set. */
export interface McpMetrics {
  toolCalls: Counter<'profile' | 'member' | 'outcome'>;
  toolCallSeconds: Histogram<'profile' | 'member'>;
  sessions: Gauge<'profile'>;
  memberUp: Gauge<'profile' | 'member'>;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  // Two profile sets on one registry (tests, several mounts) share the metrics.
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Register the MCP metrics on a prom-client registry.
 * @example const metrics = createMcpMetrics(new Registry());
 */
export function createMcpMetrics(registry: Registry): McpMetrics {
  const registers = [registry];
  return {
    toolCalls: reuse(
      registry,
      'switchyard_mcp_tool_calls_total',
      () =>
        new Counter({
          name: 'switchyard_mcp_tool_calls_total',
          help: 'MCP tool calls by profile, member and outcome',
          labelNames: ['profile', 'member', 'outcome'],
          registers,
        }),
    ),
    toolCallSeconds: reuse(
      registry,
      'switchyard_mcp_tool_call_duration_seconds',
      () =>
        new Histogram({
          name: 'switchyard_mcp_tool_call_duration_seconds',
          help: 'MCP tool call duration by profile and member',
          labelNames: ['profile', 'member'],
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers,
        }),
    ),
    sessions: reuse(
      registry,
      'switchyard_mcp_sessions',
      () => new Gauge({ name: 'switchyard_mcp_sessions', help: 'Open MCP sessions by profile', labelNames: ['profile'], registers }),
    ),
    memberUp: reuse(
      registry,
      'switchyard_mcp_member_up',
      () =>
        new Gauge({
          name: 'switchyard_mcp_member_up',
          help: 'Whether an MCP member answered its last call (1) or failed (0)',
          labelNames: ['profile', 'member'],
          registers,
        }),
    ),
  };
}
