/**
 * OpenAI Chat Completions on the wire, with the dialect differences of the servers that speak
 * it: OpenAI itself, Azure OpenAI (prompt_filter_results, content_filter_results), vLLM
 * (stop_reason, reasoning_content) and Mistral (9-character tool ids, usage in the last chunk,
 * no stream_options, no refusal/logprobs fields).
 */
import assert from 'node:assert/strict';
import { sse, type RecordedRequest, type Reply } from '../support/upstream.js';
import { DATA_URL, pieces, PRIOR_ARGS, SYSTEM, textOf, USER_TEXT, WITH_TOOLS, type Meaning } from './scenarios.js';
import { requestSchemas } from './request-schemas.js';
import { assertSchema } from '../support/schemas.js';
import type { CellContext, Wire } from './wire.js';

export type OpenAIDialect = 'openai' | 'azure' | 'vllm' | 'mistral';

const FINISH = { end: 'stop', tool: 'tool_calls', length: 'length' } as const;
const IDS: Record<OpenAIDialect, string[]> = {
  openai: ['call_8Kc3mRb1vXq2Zt9Lp4Hw', 'call_Jn5tYe2uQa7Wd0Sx3Fk1'],
  azure: ['call_AzR7f2Kq9Lm3Np5Vt8Xw', 'call_AzB1c4Dd6Ee8Ff0Gg2Hh'],
  vllm: ['chatcmpl-tool-5b1f2c7d9e', 'chatcmpl-tool-8a3e4b6c0d'],
  mistral: ['D681PevKs', 'Q2w9ErT5y'],
};
const AZURE_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};

export function openAIWire(dialect: OpenAIDialect): Wire {
  const ids = IDS[dialect];
  const toolCalls = (m: Meaning) =>
    m.toolCalls.map((c, i) => ({ id: ids[i]!, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
  const usage = (m: Meaning) => ({ prompt_tokens: m.usage.input, completion_tokens: m.usage.output, total_tokens: m.usage.input + m.usage.output });

  function json(m: Meaning, ctx: CellContext): Reply {
    const message: Record<string, unknown> = { role: 'assistant', content: m.text || null };
    if (m.toolCalls.length) message.tool_calls = toolCalls(m);
    const choice: Record<string, unknown> = { index: 0, message, finish_reason: FINISH[m.stop] };
    if (dialect === 'mistral') message.prefix = false;
    else {
      message.refusal = null;
      choice.logprobs = null;
    }
    if (dialect === 'vllm') {
      message.reasoning_content = null;
      choice.stop_reason = null;
    }
    if (dialect === 'azure') choice.content_filter_results = AZURE_FILTER;
    const body: Record<string, unknown> = {
      id: `chatcmpl-${dialect}-1`,
      object: 'chat.completion',
      created: 1_750_000_000,
      model: ctx.model,
      choices: [choice],
      usage: usage(m),
    };
    if (dialect === 'openai') Object.assign(body, { service_tier: 'default', system_fingerprint: 'fp_b376dfbbd5' });
    if (dialect === 'azure') body.prompt_filter_results = [{ prompt_index: 0, content_filter_results: AZURE_FILTER }];
    return { json: body, headers: { 'x-ratelimit-remaining-requests': '99' } };
  }

  function stream(m: Meaning, ctx: CellContext): Reply {
    const base = { id: `chatcmpl-${dialect}-s1`, object: 'chat.completion.chunk', created: 1_750_000_000, model: ctx.model };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
      sse({
        ...base,
        ...(dialect === 'openai' ? { system_fingerprint: 'fp_b376dfbbd5' } : {}),
        choices: [{ index: 0, delta, ...(dialect === 'mistral' ? {} : { logprobs: null }), finish_reason: finish }],
        ...extra,
      });
    const frames: string[] = [];
    // Azure announces its prompt filtering in a first chunk with no choices.
    if (dialect === 'azure')
      frames.push(
        sse({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: AZURE_FILTER }] }),
      );
    frames.push(chunk({ role: 'assistant', content: '' }));
    for (const p of pieces(m.text, 2)) frames.push(chunk({ content: p }));
    m.toolCalls.forEach((c, index) => {
      frames.push(chunk({ tool_calls: [{ index, id: ids[index], type: 'function', function: { name: c.name, arguments: '' } }] }));
      for (const p of pieces(JSON.stringify(c.args), 3)) frames.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
    });
    if (dialect === 'mistral') frames.push(chunk({ content: '' }, FINISH[m.stop], { usage: usage(m) }));
    else {
      frames.push(chunk({}, FINISH[m.stop]));
      frames.push(sse({ ...base, choices: [], usage: usage(m) }));
    }
    frames.push(sse('[DONE]'));
    return { sse: frames };
  }

  function checkBody(request: RecordedRequest, ctx: CellContext): void {
    const body = request.body as Record<string, any>;
    // OpenAI's schema requires `model`, which Azure bodies leave out (the deployment decides).
    assertSchema(requestSchemas.openai, dialect === 'azure' ? { ...body, model: ctx.model } : body, `${dialect} request body`);
    // Azure: the deployment in the URL decides the model, and its schema has no `model`.
    assert.equal(body.model, dialect === 'azure' ? undefined : ctx.model);
    const messages = body.messages as Record<string, any>[];
    const user = messages.find((msg) => msg.role === 'user')!;
    assert.equal(textOf(user.content), USER_TEXT[ctx.scenario]);
    if (ctx.scenario === 'text') {
      assert.deepEqual(
        messages.map((msg) => msg.role),
        ['system', 'user'],
      );
      assert.equal(textOf(messages[0]!.content), SYSTEM);
    }
    if (ctx.scenario === 'tool-result') {
      assert.deepEqual(
        messages.map((msg) => msg.role),
        ['user', 'assistant', 'tool'],
      );
      const [call] = messages[1]!.tool_calls;
      assert.equal(call.id, ctx.priorCallId);
      assert.equal(call.type, 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), PRIOR_ARGS);
      assert.equal(messages[2]!.tool_call_id, ctx.priorCallId);
      assert.deepEqual(JSON.parse(textOf(messages[2]!.content)), { temp_c: 18 });
    }
    if (ctx.scenario === 'image') {
      const parts = user.content as Record<string, any>[];
      assert.ok(Array.isArray(parts), 'image input is sent as content parts');
      assert.ok(
        parts.some((p) => p.type === 'image_url' && p.image_url.url === DATA_URL),
        'the image reaches the upstream as an image_url data URL',
      );
    }
    if (WITH_TOOLS.has(ctx.scenario)) {
      const names = (body.tools as Record<string, any>[]).map((t) => t.type === 'function' && t.function.name);
      assert.ok(names.includes('get_weather'));
      assert.equal(typeof (body.tools as Record<string, any>[])[0]!.function.parameters, 'object');
    }
    assert.equal(body.stream === true, ctx.stream);
    if (ctx.stream && dialect !== 'mistral') assert.equal(body.stream_options?.include_usage, true, 'usage is asked for');
    if (dialect === 'mistral') {
      assert.equal(body.stream_options, undefined, 'Mistral rejects stream_options');
      for (const msg of messages) for (const call of msg.tool_calls ?? []) assert.match(call.id, /^[a-zA-Z0-9]{9}$/);
    }
  }

  return { reply: (m, ctx) => (ctx.stream ? stream(m, ctx) : json(m, ctx)), checkBody, toolCallIds: ids };
}
