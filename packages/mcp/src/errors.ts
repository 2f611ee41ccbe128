import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { BrokenCircuitError } from 'cockatiel';
import { describe } from './member-health.js';

/**
 * JSON-RPC error codes the gateway answers with besides the standard ones (in the
 * implementation-defined server error range).
 */
export const McpErrorCode = {
  /** The member that serves the item is down or its breaker is open. */
  memberUnavailable: -32010,
  /** The key may not use this tool. */
  forbidden: -32011,
  /** The key's tool-call rate limit is reached; `data.retry_after_ms` says when to retry. */
  rateLimited: -32029,
} as const;

/** The JSON-RPC error a client sees for an upstream failure: the member's own error passes through, a dead member is named. */
export function toMcpError(err: unknown, member: string): McpError {
  if (err instanceof McpError && err.code !== ErrorCode.ConnectionClosed) return err;
  if (err instanceof BrokenCircuitError) return new McpError(McpErrorCode.memberUnavailable, `MCP server "${member}" is unavailable (circuit open)`);
  return new McpError(McpErrorCode.memberUnavailable, `MCP server "${member}" is unavailable: ${describe(err)}`);
}
