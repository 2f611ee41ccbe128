/**
 * A plain undici client for what autocannon cannot do: check that a system answers correctly
 * before it is measured, and time the first byte of streams.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { CHAT_PATH, REQUEST_HEADERS, requestBody, type Mode } from './requests.js';
import { percentile } from './stats.js';
import { STREAM_CHUNKS } from './upstream.js';

/**
 * Sends one request and throws unless the answer is what the upstream would send: 200, a chat
 * completion for JSON, an SSE stream of all chunks ending in `[DONE]` for streams. Measuring a
 * system that answers 404 fast would measure nothing.
 * @example
 * await checkAnswer('http://127.0.0.1:4000', 'stream');
 */
export async function checkAnswer(origin: string, mode: Mode): Promise<void> {
  const client = new Client(origin);
  try {
    const res = await client.request({ path: CHAT_PATH, method: 'POST', headers: REQUEST_HEADERS, body: requestBody(mode) });
    const text = await res.body.text();
    const contentType = String(res.headers['content-type'] ?? '');
    const fail = (why: string): never => {
      throw new Error(`${origin} ${mode}: ${why} (status ${res.statusCode}, content-type ${contentType}): ${text.slice(0, 300)}`);
    };
    if (res.statusCode !== 200) fail('not 200');
    if (mode === 'json') {
      const body = JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> };
      if (typeof body.choices?.[0]?.message?.content !== 'string') fail('no choices[0].message.content');
      return;
    }
    if (!contentType.startsWith('text/event-stream')) fail('not text/event-stream');
    const events = text.split('\n').filter((line) => line.startsWith('data:'));
    if (events.at(-1)?.trim() !== 'data: [DONE]') fail('does not end with data: [DONE]');
    const content = events.filter((line) => line.includes('"content":"token')).length;
    if (content !== STREAM_CHUNKS - 1) fail(`${content} content chunks, expected ${STREAM_CHUNKS - 1}`);
  } finally {
    await client.close();
  }
}

/** Sequential stream timings in ms. */
export interface StreamTiming {
  /** Streams measured. */
  count: number;
  /** Request sent to first body byte. */
  ttfbP50: number;
  ttfbP99: number;
  /** Request sent to end of stream. */
  totalP50: number;
  totalP99: number;
}

/**
 * Times `count` streams one after another over one keep-alive connection, after `warmup`
 * unmeasured ones: no load, so this is the latency a single client sees.
 * @example
 * const t = await timeStreams('http://127.0.0.1:4000', { count: 200, warmup: 20 });
 */
export async function timeStreams(origin: string, options: { count: number; warmup: number }): Promise<StreamTiming> {
  const client = new Client(origin, { pipelining: 1 });
  const body = requestBody('stream');
  const ttfb: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i < options.warmup + options.count; i++) {
      const start = performance.now();
      const res = await client.request({ path: CHAT_PATH, method: 'POST', headers: REQUEST_HEADERS, body });
      let first = -1;
      for await (const _chunk of res.body) if (first < 0) first = performance.now();
      const end = performance.now();
      if (res.statusCode !== 200 || first < 0) throw new Error(`${origin}: stream answered ${res.statusCode} with ${first < 0 ? 'no' : 'a'} body`);
      if (i >= options.warmup) {
        ttfb.push(first - start);
        total.push(end - start);
      }
    }
  } finally {
    await client.close();
  }
  return {
    count: options.count,
    ttfbP50: percentile(ttfb, 0.5),
    ttfbP99: percentile(ttfb, 0.99),
    totalP50: percentile(total, 0.5),
    totalP99: percentile(total, 0.99),
  };
}

/**
 * Times `count` JSON requests carrying a prompt of `promptBytes`, one after another over one
 * keep-alive connection, after `warmup` unmeasured ones; returns the p50 in ms.
 * @example
 * const p50 = await timeJson('http://127.0.0.1:4000', { promptBytes: 102_400, count: 100, warmup: 10 });
 */
export async function timeJson(origin: string, options: { promptBytes: number; count: number; warmup: number }): Promise<number> {
  const client = new Client(origin, { pipelining: 1 });
  const body = requestBody('json', options.promptBytes);
  const times: number[] = [];
  try {
    for (let i = 0; i < options.warmup + options.count; i++) {
      const start = performance.now();
      const res = await client.request({ path: CHAT_PATH, method: 'POST', headers: REQUEST_HEADERS, body });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`${origin}: a ${options.promptBytes}-byte prompt answered ${res.statusCode}`);
      if (i >= options.warmup) times.push(performance.now() - start);
    }
  } finally {
    await client.close();
  }
  return percentile(times, 0.5);
}
