/**
 * Cohere v2 chat on the wire (/v2/chat JSON and its typed event stream). A Cohere answer that
 * calls tools carries its words in `tool_plan`, which the adapter drops by design (README).
 */
import assert from 'node:assert/strict';
import { sse, type RecordedRequest, type Reply } from '../support/upstream.js';
import { DATA_URL, pieces, PRIOR_ARGS, SYSTEM, textOf, USER_TEXT, WITH_TOOLS, type Meaning } from './scenarios.js';
import type { CellContext, Wire } from './wire.js';

const FINISH = { end: 'COMPLETE', tool: 'TOOL_CALL', length: 'MAX_TOKENS' } as const;
const IDS = ['get_weather_nsz5zm3w56q3', 'get_time_0fp3sy6rcj3m'];

export function cohereWire(): Wire {
  const usage = (m: Meaning) => ({
    billed_units: { input_tokens: m.usage.input, output_tokens: m.usage.output },
    tokens: { input_tokens: m.usage.input + 800, output_tokens: m.usage.output + 40 },
  });

  function json(m: Meaning): Reply {
    const message: Record<string, unknown> = { role: 'assistant' };
    if (m.toolCalls.length) {
      message.tool_plan = m.text;
      message.tool_calls = m.toolCalls.map((c, i) => ({ id: IDS[i], type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
    } else message.content = [{ type: 'text', text: m.text }];
    return { json: { id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4', finish_reason: FINISH[m.stop], message, usage: usage(m) } };
  }

  function stream(m: Meaning): Reply {
    const ev = (type: string, data: Record<string, unknown> = {}) => sse({ type, ...data }, type);
    const frames = [
      ev('message-start', {
        id: '29f14a5a-11de-4cae-9800-25e4747408ea',
        delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
      }),
    ];
    if (m.toolCalls.length) {
      for (const p of pieces(m.text, 2)) frames.push(ev('tool-plan-delta', { delta: { message: { tool_plan: p } } }));
      m.toolCalls.forEach((c, index) => {
        frames.push(
          ev('tool-call-start', { index, delta: { message: { tool_calls: { id: IDS[index], type: 'function', function: { name: c.name, arguments: '' } } } } }),
        );
        for (const p of pieces(JSON.stringify(c.args), 3))
          frames.push(ev('tool-call-delta', { index, delta: { message: { tool_calls: { function: { arguments: p } } } } }));
        frames.push(ev('tool-call-end', { index }));
      });
    } else {
      frames.push(ev('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }));
      for (const p of pieces(m.text, 2)) frames.push(ev('content-delta', { index: 0, delta: { message: { content: { text: p } } } }));
      frames.push(ev('content-end', { index: 0 }));
    }
    frames.push(ev('message-end', { delta: { finish_reason: FINISH[m.stop], usage: usage(m) } }));
    return { sse: frames };
  }

  function checkBody(request: RecordedRequest, ctx: CellContext): void {
    const body = request.body as Record<string, any>;
    assert.equal(body.model, ctx.model);
    const messages = body.messages as Record<string, any>[];
    const user = messages.find((msg) => msg.role === 'user')!;
    assert.equal(textOf(user.content), USER_TEXT[ctx.scenario]);
    if (ctx.scenario === 'text')
      assert.deepEqual(messages as unknown, [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: USER_TEXT.text },
      ]);
    if (ctx.scenario === 'tool-result') {
      assert.deepEqual(
        messages.map((msg) => msg.role),
        ['user', 'assistant', 'tool'],
      );
      const [call] = messages[1]!.tool_calls;
      assert.equal(call.id, ctx.priorCallId);
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), PRIOR_ARGS);
      assert.equal(messages[2]!.tool_call_id, ctx.priorCallId);
      assert.deepEqual(JSON.parse(textOf(messages[2]!.content)), { temp_c: 18 });
    }
    if (ctx.scenario === 'image') {
      assert.ok(
        (user.content as Record<string, any>[]).some((p) => p.type === 'image_url' && p.image_url.url === DATA_URL),
        'the image reaches Cohere as an image_url part',
      );
    }
    if (WITH_TOOLS.has(ctx.scenario)) assert.ok((body.tools as Record<string, any>[]).some((t) => t.function?.name === 'get_weather'));
    assert.equal(body.stream === true, ctx.stream);
    assert.equal(body.stream_options, undefined, 'Cohere has no stream_options');
  }

  return { reply: (m, ctx) => (ctx.stream ? stream(m) : json(m)), checkBody, toolCallIds: IDS, textDroppedWithTools: true };
}
