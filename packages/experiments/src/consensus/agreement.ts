/**
 * Agreement between several answers to one request: what an answer says (text, tool calls),
 * how two answers are compared, and which group of agreeing answers wins.
 * @module
 */
import type { ClientFormat } from '@switchyard/core';

/** How answers are compared. `auto` picks per request (see {@link chooseMethod}). */
export type ConsensusMethod = 'auto' | 'exact' | 'normalised' | 'json' | 'embedding' | 'judge';

/** What one answer says, read from its body in the client's format. */
export interface Answer {
  /** The answer's text (every text part, joined). */
  text: string;
  /** Its tool calls: name and parsed arguments (the raw string when they are not JSON). */
  tools: { name: string; arguments: unknown }[];
}

/** The winning group of a vote. */
export interface Vote {
  /** Index (into the answers) of the answer returned: the first member of the largest group. */
  chosen: number;
  /** Answers in the winning group. */
  votes: number;
  /** Answers that took part. */
  answered: number;
  /** Group number of every answer (same number: they agree). */
  groups: number[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Read an answer from a JSON response body in the client's format (first choice for OpenAI).
 * @example readAnswer('openai.chat', '{"choices":[{"message":{"content":"Paris"}}]}') // { text: 'Paris', tools: [] }
 */
export function readAnswer(format: ClientFormat, body: string): Answer {
  const json = JSON.parse(body) as Json;
  const texts: string[] = [];
  const tools: Answer['tools'] = [];
  if (format === 'anthropic.messages') {
    for (const block of Array.isArray(json.content) ? json.content : []) {
      if (!isObject(block)) continue;
      if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
      if (block.type === 'tool_use') tools.push({ name: String(block.name), arguments: block.input ?? {} });
    }
  } else {
    const message = (Array.isArray(json.choices) && isObject(json.choices[0]) ? json.choices[0].message : undefined) as Json | undefined;
    const content = message?.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) for (const part of content) if (isObject(part) && typeof part.text === 'string') texts.push(part.text);
    for (const call of Array.isArray(message?.tool_calls) ? message.tool_calls : []) {
      const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
      if (fn) tools.push({ name: String(fn.name), arguments: parseJson(fn.arguments) ?? fn.arguments });
    }
  }
  return { text: texts.join(''), tools };
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * JSON with every object's keys sorted, so that two values equal up to key order serialise alike.
 * @example canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }) // '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Text as compared by the `normalised` method: Unicode NFKC, trimmed, lower-cased, runs of
 * whitespace as one space, trailing punctuation dropped.
 * @example normaliseText('  The answer is  PARIS. ') // 'the answer is paris'
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.!?;:,。！？…]+$/u, '');
}

/** The JSON an answer's text holds (a fenced ```json block included), or undefined. */
function textJson(text: string): unknown {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  return parseJson(fenced ? fenced[1] : text.trim());
}

/** The comparison key of an answer under a key-based method: equal keys agree. */
export function answerKey(answer: Answer, method: 'exact' | 'normalised' | 'json'): string {
  // Parallel tool calls are a set: their order does not change what the model asked for.
  const tools = answer.tools.map((t) => canonicalJson(t)).sort();
  if (method === 'exact') return JSON.stringify([answer.text, tools]);
  if (method === 'json') {
    if (tools.length > 0) return JSON.stringify(['tools', tools]);
    const json = textJson(answer.text);
    if (json !== undefined) return JSON.stringify(['json', canonicalJson(json)]);
  }
  return JSON.stringify([normaliseText(answer.text), tools]);
}

/**
 * The method `auto` stands for: `json` when an answer calls tools or the request asks for JSON
 * output; `normalised` when every answer is short; else `embedding` when an embedding model is
 * configured, `judge` when a judge model is, `normalised` otherwise.
 */
export function chooseMethod(
  answers: readonly Answer[],
  body: Json,
  shortChars: number,
  models: { embedding: boolean; judge: boolean },
): Exclude<ConsensusMethod, 'auto'> {
  const format = isObject(body.response_format) ? body.response_format.type : undefined;
  if (answers.some((a) => a.tools.length > 0) || format === 'json_object' || format === 'json_schema') return 'json';
  if (answers.every((a) => a.text.length <= shortChars)) return 'normalised';
  return models.embedding ? 'embedding' : models.judge ? 'judge' : 'normalised';
}

/** Group answers by equal keys. */
export function groupByKey(keys: readonly string[]): number[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    if (!seen.has(k)) seen.set(k, seen.size);
    return seen.get(k)!;
  });
}

/** Cosine similarity of two vectors. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Group answers by embedding similarity: each joins the first group whose first member is at least `threshold` similar. */
export function groupBySimilarity(vectors: readonly (readonly number[])[], threshold: number): number[] {
  const heads: number[] = [];
  return vectors.map((v, i) => {
    const group = heads.findIndex((h) => cosine(vectors[h]!, v) >= threshold);
    if (group >= 0) return group;
    heads.push(i);
    return heads.length - 1;
  });
}

/**
 * The vote: the largest group wins (a tie goes to the group of the earliest answer, i.e. the
 * target listed first); its first answer is the one returned.
 * @example tally([0, 1, 1]) // { chosen: 1, votes: 2, answered: 3, groups: [0, 1, 1] }
 */
export function tally(groups: readonly number[]): Vote {
  const sizes = new Map<number, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  let best = groups[0] ?? 0;
  for (const [g, size] of sizes) if (size > sizes.get(best)! || (size === sizes.get(best)! && groups.indexOf(g) < groups.indexOf(best))) best = g;
  return { chosen: groups.indexOf(best), votes: sizes.get(best) ?? 0, answered: groups.length, groups: [...groups] };
}
