import type { Attempt, ClientFormat, FailureKind } from '@switchyard/core';

/** One upstream try, as the request log keeps it. */
export interface AttemptLog {
  provider: string;
  model: string;
  outcome: Attempt['outcome'];
  failureKind?: FailureKind;
  /** Upstream HTTP status, when there was one. */
  status?: number;
  /** From the start of the try to its end (or to the end of the exchange if it never ended). */
  latencyMs: number;
  /** From the start of the try to its first byte. */
  ttftMs?: number;
  /** From the start of the request to the start of this try. */
  startMs?: number;
  /** `hedge`: raced against a slow first token; `continuation`: finished a stream that broke; `consensus`: one of several targets asked in parallel. */
  role?: 'hedge' | 'continuation' | 'consensus';
  /** A continuation: characters of answer text the client already had at the cut it continued. */
  deliveredChars?: number;
  /** Lost a hedge race and was cancelled (its outcome is `aborted`). */
  hedgeLost?: boolean;
  /** A try billed on its own (consensus): its input and output tokens… */
  usage?: { input: number; output: number };
  /** …and its cost in USD at its own target's price (null when unpriced). */
  costUsd?: number | null;
}

/** Token counts of one request, by class. `input` excludes cached tokens, so each class is priced once. */
export interface UsageLog {
  input: number;
  cacheRead: number;
  /** Every cache write, one-hour writes included. */
  cacheWrite: number;
  /** Part of `cacheWrite` written to a one-hour cache (priced at its own rate). */
  cacheWrite1h: number;
  output: number;
  /** Part of `output` spent on reasoning (informational: already counted in output). */
  reasoning: number;
  /** `provider`: reported by the upstream; `estimated`: counted by a tokenizer. */
  source: 'provider' | 'estimated';
}

/**
 * One request, as the request log stores it (one record per request, failed or not).
 */
export interface RequestLogRecord {
  /** The request id the gateway generated (the response's `x-request-id`): unique. */
  id: string;
  /** The client's own `x-request-id`, when it sent a safe one. Not unique: any client may send any. */
  clientRequestId?: string;
  /** Start of the request, ms since the epoch. */
  time: number;
  keyId: string | null;
  keyName: string | null;
  /** The model the client asked for (may be an alias). */
  requestedModel: string;
  /** The upstream model of the attempt that served, or null when none did. */
  resolvedModel: string | null;
  /** The provider of the attempt that served, or null when none did. */
  provider: string | null;
  strategy: string | null;
  attempts: AttemptLog[];
  /** HTTP status sent to the client. */
  status: number;
  outcome: 'completed' | 'aborted' | 'failed';
  /** Start of the request to its settlement (end of stream, error, or client abort). */
  latencyMs: number;
  /** Start of the request to the first stream event (streams) or the upstream's first byte (JSON). */
  ttftMs: number | null;
  /** Null when nothing was served (no attempt succeeded). */
  usage: UsageLog | null;
  /** USD, or null when unknown (see `costReason`). */
  costUsd: number | null;
  costReason?: string;
  /** USD per token class, when the cost is known. */
  costBreakdown?: Record<string, number>;
  format: ClientFormat;
  stream: boolean;
  /** A short, safe description of the error that ended a failed request. */
  error?: string;
  /** Captured request body (redacted), only when capture is on. */
  requestBody?: unknown;
  /** Captured response body (redacted; streams: the event data, in order), only when capture is on. */
  responseBody?: unknown;
}
