/**
 * The built-in `simulated` provider: no HTTP, configurable latency, pace, error rate and
 * outage windows; schema-valid OpenAI and Anthropic answers (JSON and streams). For offline
 * use, demos and benchmarks.
 * @module
 */
import { setTimeout as delay } from 'node:timers/promises';
import { familyOf, type ClientFormat, type SseEvent } from '@switchyard/core';
import type { InvokeContext, ProviderAdapter, ProviderCall, ProviderConfig, ProviderResult } from '../adapter.js';
import { classifyFailure } from '../classify.js';
import { ProviderError } from '../provider-error.js';
import { preReadFirst, providerErrorFrom } from './http-adapter.js';
import {
  anthropicEvents,
  anthropicMessageJson,
  answerUsage,
  embeddingVector,
  estimateTokens,
  openAIChatChunks,
  openAIChatJson,
  planAnswer,
  type SimulatedAnswer,
} from './simulated-content.js';

/** An outage window: fixed (`start`/`end`, epoch ms or ISO) or periodic (`every_ms`/`down_ms`). */
export type SimulatedOutage = { start: number | string; end: number | string } | { every_ms: number; down_ms: number };

/** The extra config fields of a `simulated` provider. */
export interface SimulatedConfig extends ProviderConfig {
  /** Time to first token, ms. Defaults to 20. */
  latency_ms?: number;
  /** Output pace; 0 = instant. Defaults to 200. */
  tokens_per_second?: number;
  /** Share of calls failing with a 500 or an overload (0..1). Defaults to 0. */
  error_rate?: number;
  /** Windows in which every call fails as overloaded (503). Defaults to none. */
  outages?: SimulatedOutage[];
  /** Fixed reply text. Defaults to "Simulated response from <provider>/<model>." padded to `output_tokens`. */
  reply?: string;
  /** Length of the default reply, in tokens (words). Defaults to 24. */
  output_tokens?: number;
  /** Embedding size when the request sets no `dimensions`. Defaults to 1536. */
  embedding_dimensions?: number;
  /** Random source in [0, 1). Defaults to Math.random. */
  random?: () => number;
  /** Clock, epoch ms. Defaults to the call's `now`, else Date.now. */
  now?: () => number;
  /** Waits `ms` or rejects when `signal` aborts. Defaults to node:timers/promises setTimeout. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const FORMATS: readonly ClientFormat[] = ['openai.chat', 'openai.embeddings', 'anthropic.messages', 'anthropic.count_tokens'];

interface Resolved {
  latencyMs: number;
  tokenIntervalMs: number;
  errorRate: number;
  outages: ({ start: number; end: number } | { every: number; down: number })[];
  reply?: string;
  outputTokens: number;
  dimensions: number;
  random: () => number;
  now?: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

function resolveOptions(config: SimulatedConfig): Resolved {
  const name = config.name;
  const number = (key: keyof SimulatedConfig, fallback: number, max = Infinity): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max)
      throw new TypeError(`provider ${name}: ${String(key)} must be a number in [0, ${max}] (got ${String(value)})`);
    return value;
  };
  const fn = <T>(key: keyof SimulatedConfig): T | undefined => {
    const value = config[key];
    if (value !== undefined && typeof value !== 'function') throw new TypeError(`provider ${name}: ${String(key)} must be a function`);
    return value as T | undefined;
  };
  const tps = number('tokens_per_second', 200);
  if (config.reply !== undefined && typeof config.reply !== 'string') throw new TypeError(`provider ${name}: reply must be a string`);
  return {
    latencyMs: number('latency_ms', 20),
    tokenIntervalMs: tps === 0 ? 0 : 1000 / tps,
    errorRate: number('error_rate', 0, 1),
    outages: parseOutages(name, config.outages),
    reply: config.reply,
    outputTokens: Math.max(1, Math.round(number('output_tokens', 24))),
    dimensions: Math.max(1, Math.round(number('embedding_dimensions', 1536))),
    random: fn<() => number>('random') ?? Math.random,
    now: fn<() => number>('now'),
    sleep: fn<(ms: number, signal: AbortSignal) => Promise<void>>('sleep') ?? ((ms, signal) => (ms > 0 ? delay(ms, undefined, { signal }) : Promise.resolve())),
  };
}

function parseOutages(name: string, raw: unknown): Resolved['outages'] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new TypeError(`provider ${name}: outages must be an array`);
  return raw.map((entry: Record<string, unknown>, i) => {
    if (entry && typeof entry.every_ms === 'number' && typeof entry.down_ms === 'number') {
      if (entry.every_ms <= 0 || entry.down_ms < 0 || entry.down_ms > entry.every_ms)
        throw new TypeError(`provider ${name}: outages[${i}] needs 0 <= down_ms <= every_ms, every_ms > 0`);
      return { every: entry.every_ms, down: entry.down_ms };
    }
    const start = toEpoch(entry?.start);
    const end = toEpoch(entry?.end);
    if (start === undefined || end === undefined || end <= start)
      throw new TypeError(`provider ${name}: outages[${i}] needs start < end (epoch ms or ISO) or every_ms/down_ms`);
    return { start, end };
  });
}

function toEpoch(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Whether `at` falls inside one of the outages. */
function inOutage(outages: Resolved['outages'], at: number): boolean {
  return outages.some((o) => ('every' in o ? at % o.every < o.down : at >= o.start && at < o.end));
}

/**
 * The `simulated` adapter.
 * @example
 * const sim = createSimulatedAdapter({ name: 'sim', type: 'simulated', latency_ms: 50, tokens_per_second: 0, error_rate: 0.1 });
 */
export function createSimulatedAdapter(config: SimulatedConfig): ProviderAdapter {
  const o = resolveOptions(config);
  const provider = config.name;

  function failure(format: ClientFormat, at: number): ProviderError | undefined {
    const anthropic = familyOf(format) === 'anthropic';
    let status: number;
    let body: string;
    if (inOutage(o.outages, at)) {
      status = 503;
      body = anthropic ? errorBody('anthropic', 'overloaded_error', 'Simulated outage') : errorBody('openai', 'service_unavailable', 'Simulated outage');
    } else if (o.errorRate > 0 && o.random() < o.errorRate) {
      if (o.random() < 0.5) {
        status = 500;
        body = errorBody(anthropic ? 'anthropic' : 'openai', anthropic ? 'api_error' : 'server_error', 'Simulated server error');
      } else {
        status = anthropic ? 529 : 503;
        body = errorBody(anthropic ? 'anthropic' : 'openai', anthropic ? 'overloaded_error' : 'server_overloaded', 'Simulated overload');
      }
    } else {
      return undefined;
    }
    return providerErrorFrom(provider, classifyFailure({ status, body }), { status });
  }

  async function invoke(call: ProviderCall, context: InvokeContext): Promise<ProviderResult> {
    const now = o.now ?? context.now ?? Date.now;
    const signal = context.signal;
    const aborted = (): ProviderError => new ProviderError('request aborted by the caller', { kind: 'network', provider });
    if (signal.aborted) throw aborted();
    const failed = failure(call.format, now());
    if (failed) throw failed;
    const body = call.body;

    if (call.format === 'openai.embeddings' || call.format === 'anthropic.count_tokens') {
      try {
        await o.sleep(o.latencyMs, signal);
      } catch {
        throw aborted();
      }
      const json =
        call.format === 'openai.embeddings'
          ? embeddings(body, call.model, o.dimensions)
          : { input_tokens: estimateTokens([body.system, body.messages, body.tools]) };
      const usage =
        call.format === 'openai.embeddings'
          ? {
              inputTokens: (json as { usage: { prompt_tokens: number } }).usage.prompt_tokens,
              outputTokens: 0,
              cacheReadTokens: 0,
              cacheWriteTokens: 0,
              reasoningTokens: 0,
              source: 'provider' as const,
            }
          : undefined;
      return { kind: 'json', status: 200, headers: {}, body: JSON.stringify(json), usage, model: call.model, firstByteAt: now() };
    }

    const anthropic = call.format === 'anthropic.messages';
    const answer = planAnswer({
      provider,
      model: call.model,
      body,
      reply: o.reply,
      length: o.outputTokens,
      maxTokens: maxTokens(body, anthropic),
      tool: forcedTool(body, anthropic),
      inputTokens: estimateTokens([body.system, body.messages, body.tools]),
    });
    const created = Math.floor(now() / 1000);

    if (!call.stream) {
      try {
        await o.sleep(o.latencyMs + answer.outputTokens * o.tokenIntervalMs, signal);
      } catch {
        throw aborted();
      }
      const json = anthropic ? anthropicMessageJson(answer, call.model) : openAIChatJson(answer, call.model, created);
      return { kind: 'json', status: 200, headers: {}, body: JSON.stringify(json), usage: answerUsage(answer), model: call.model, firstByteAt: now() };
    }

    const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const source = anthropic ? anthropicEvents(answer, call.model) : openAIChatChunks(answer, call.model, created, includeUsage);
    const state = { emitted: 0, done: false, started: false };
    async function* paced(): AsyncGenerator<SseEvent> {
      try {
        await o.sleep(o.latencyMs, signal);
        for (const ev of source) {
          if (isToken(ev) && state.emitted++ > 0) await o.sleep(o.tokenIntervalMs, signal);
          yield ev;
        }
        state.done = true;
      } catch {
        throw new ProviderError('request aborted by the caller', { kind: 'network', provider, afterFirstByte: state.started });
      }
    }
    const read = await preReadFirst(paced(), () => (state.started = true));
    return {
      kind: 'stream',
      status: 200,
      headers: {},
      events: read.events,
      firstByteAt: now(),
      usage: () => (state.done ? answerUsage(answer) : { ...answerUsage(answer), outputTokens: Math.min(answer.outputTokens, state.emitted) }),
    };
  }

  return {
    name: provider,
    type: 'simulated',
    config,
    models: config.models ?? [],
    supports: (format) => FORMATS.includes(format),
    invoke,
    classify: (info) => classifyFailure(info),
  };
}

function isToken(ev: SseEvent): boolean {
  return ev.event === 'content_block_delta' || (ev.event === undefined && ev.data.includes('"delta":{"content"'));
}

function errorBody(family: 'openai' | 'anthropic', type: string, message: string): string {
  return family === 'anthropic'
    ? JSON.stringify({ type: 'error', error: { type, message } })
    : JSON.stringify({ error: { message, type, code: type, param: null } });
}

function maxTokens(body: Record<string, unknown>, anthropic: boolean): number | undefined {
  const value = anthropic ? body.max_tokens : (body.max_completion_tokens ?? body.max_tokens);
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

/** The tool the request forces, if any (OpenAI `required` / named function; Anthropic `any` / `tool`). */
function forcedTool(body: Record<string, unknown>, anthropic: boolean): string | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  if (tools.length === 0) return undefined;
  const choice = body.tool_choice as Record<string, unknown> | string | undefined;
  if (anthropic) {
    if (typeof choice !== 'object' || choice === null) return undefined;
    if (choice.type === 'tool' && typeof choice.name === 'string') return choice.name;
    return choice.type === 'any' && typeof tools[0]?.name === 'string' ? tools[0].name : undefined;
  }
  const first = (tools[0]?.function as { name?: unknown } | undefined)?.name;
  if (choice === 'required') return typeof first === 'string' ? first : undefined;
  const named = typeof choice === 'object' && choice !== null ? (choice.function as { name?: unknown } | undefined)?.name : undefined;
  return typeof named === 'string' ? named : undefined;
}

function embeddings(body: Record<string, unknown>, model: string, defaultDimensions: number): Record<string, unknown> {
  const raw = body.input;
  const inputs: string[] =
    typeof raw === 'string'
      ? [raw]
      : Array.isArray(raw) && raw.every((x) => typeof x === 'string')
        ? (raw as string[])
        : Array.isArray(raw) && raw.every((x) => Array.isArray(x))
          ? raw.map((x) => JSON.stringify(x))
          : [JSON.stringify(raw ?? '')];
  const dimensions = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.floor(body.dimensions) : defaultDimensions;
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((text, index) => {
    const vector = embeddingVector(text, dimensions);
    return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
  });
  const tokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

export type { SimulatedAnswer };
