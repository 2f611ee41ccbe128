import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { BrokenCircuitError } from 'cockatiel';
import { McpErrorCode } from './errors.js';

/** How a tool call ended; a fixed set, so it is safe as a metric label. */
export type ToolCallOutcome = 'ok' | 'tool_error' | 'error' | 'timeout' | 'unavailable' | 'cancelled' | 'rate_limited' | 'forbidden' | 'unknown_tool';

/** One tool call, as logged and handed to `onToolCall`. Never holds a secret; arguments and results only when capture is on. */
export interface ToolCallRecord {
  /** Start, epoch ms. */
  at: number;
  profile: string;
  /** The member that served it; undefined when the name led nowhere. */
  member?: string;
  /** The name the client called (prefixed). */
  tool: string;
  /** Key id (or the app principal's id). */
  key: string;
  sessionId?: string;
  durationMs: number;
  outcome: ToolCallOutcome;
  /** Size of the JSON arguments, bytes. */
  requestBytes: number;
  /** Size of the JSON result, bytes (0 when there is none). */
  responseBytes: number;
  /** Bounded error message when the outcome is not `ok` / `tool_error`. */
  error?: string;
  /** JSON arguments, truncated (capture on only). */
  arguments?: string;
  /** JSON result, truncated (capture on only). */
  result?: string;
}

/** The outcome of a call that threw. */
export function outcomeOf(err: unknown, cancelled: boolean): ToolCallOutcome {
  if (cancelled) return 'cancelled';
  if (err instanceof BrokenCircuitError) return 'unavailable';
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) return 'timeout';
    if (err.code === McpErrorCode.memberUnavailable || err.code === ErrorCode.ConnectionClosed) return 'unavailable';
    if (err.code === McpErrorCode.rateLimited) return 'rate_limited';
    if (err.code === McpErrorCode.forbidden) return 'forbidden';
    return 'error';
  }
  return 'unavailable';
}

/** JSON text of a value and its byte size, the text cut to `limit` characters. */
export function measure(value: unknown, limit: number | undefined): { bytes: number; text?: string } {
  if (value === undefined) return { bytes: 0 };
  const json = JSON.stringify(value) ?? '';
  const bytes = Buffer.byteLength(json);
  if (limit === undefined) return { bytes };
  return { bytes, text: json.length > limit ? `${json.slice(0, limit)}…` : json };
}
