/**
 * Best-score selection: a judge model scores every candidate answer in one call, made through
 * the gateway's own providers and billed with the request.
 * @module
 */
import type { Exchange } from '@switchyard/core';
import type { Answer } from './agreement.js';
import { callTarget, type CallResult } from './fan-out.js';
import type { ConsensusJudge } from './options.js';

/** The rubric the consensus judge gets unless configured otherwise. */
export const DEFAULT_CONSENSUS_RUBRIC =
  'Score how well each candidate answers the request: correct, complete, clear and safe. 1 is excellent, 0 useless or wrong.';

/** Characters of the request and of each candidate shown to the judge. */
const MAX_CHARS = 4000;

/** The text of the request's last user message. */
function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
  const content = messages.findLast((m) => m.role === 'user')?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((p) => (typeof (p as { text?: unknown })?.text === 'string' ? (p as { text: string }).text : '')).join('\n') : '';
}

/** The scores in a judge's reply (`{"scores":[…]}`, one in [0, 1] per candidate), or undefined. */
export function parseScores(text: string, count: number): number[] | undefined {
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  if (!json) return undefined;
  try {
    const scores = (JSON.parse(json) as { scores?: unknown }).scores;
    return Array.isArray(scores) && scores.length === count && scores.every((s) => typeof s === 'number' && s >= 0 && s <= 1)
      ? (scores as number[])
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ask the judge to score the answers; the call's result (for the log) and the scores, undefined
 * when the judge failed or answered something else.
 * @example const { scores } = await judgeAnswers(exchange, execute, judge, answers, body)
 */
export async function judgeAnswers(
  exchange: Exchange,
  execute: (exchange: Exchange) => Promise<void>,
  judge: ConsensusJudge,
  answers: readonly Answer[],
  body: Record<string, unknown>,
): Promise<{ call: CallResult; scores: number[] | undefined }> {
  const system = `You compare candidate answers to one request. ${judge.rubric ?? DEFAULT_CONSENSUS_RUBRIC}\nReply with JSON only: {"scores": [<one number from 0 to 1 per candidate, in order>]}`;
  const candidates = answers.map((a, i) => `Candidate ${i + 1}:\n${(a.text || JSON.stringify(a.tools)).slice(0, MAX_CHARS)}`).join('\n\n');
  const prompt = `Request:\n${lastUserText(body).slice(0, MAX_CHARS)}\n\n${candidates}`;
  const request = {
    model: judge.model,
    max_tokens: 200,
    temperature: 0,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: prompt },
    ],
  };
  const call = await callTarget(
    exchange,
    execute,
    { provider: judge.provider, model: judge.model },
    { format: 'openai.chat', body: request, strategy: 'consensus:judge', reason: 'consensus judge', index: 0 },
  );
  if (!call.response) return { call, scores: undefined };
  const message = (JSON.parse(call.response.body) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
  return { call, scores: typeof message === 'string' ? parseScores(message, answers.length) : undefined };
}
