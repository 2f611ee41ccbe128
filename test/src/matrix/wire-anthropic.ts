/** Anthropic Messages on the wire (JSON Message and the event stream, as the API sends them). */
import assert from 'node:assert/strict';
import { sse, type RecordedRequest, type Reply } from '../support/upstream.js';
import { assertSchema } from '../support/schemas.js';
import { requestSchemas } from './request-schemas.js';
import { pieces, PNG, PRIOR_ARGS, SYSTEM, textOf, USER_TEXT, WITH_TOOLS, type Meaning } from './scenarios.js';
import type { CellContext, Wire } from './wire.js';

const STOP = { end: 'end_turn', tool: 'tool_use', length: 'max_tokens' } as const;
const IDS = ['toolu_01NRLabsLyVHZPKxbKvkfSMn', 'toolu_01T1x1fJ34qAmk2tNTrN7Up6'];

export function anthropicWire(): Wire {
  const blocks = (m: Meaning) => [
    ...(m.text ? [{ type: 'text', text: m.text }] : []),
    ...m.toolCalls.map((c, i) => ({ type: 'tool_use', id: IDS[i]!, name: c.name, input: c.args })),
  ];
  const usage = (input: number, output: number) => ({
    input_tokens: input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
    service_tier: 'standard',
  });

  function json(m: Meaning, ctx: CellContext): Reply {
    return {
      json: {
        id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        type: 'message',
        role: 'assistant',
        model: ctx.model,
        content: blocks(m),
        stop_reason: STOP[m.stop],
        stop_sequence: null,
        usage: usage(m.usage.input, m.usage.output),
      },
      headers: { 'anthropic-ratelimit-requests-remaining': '41' },
    };
  }

  function stream(m: Meaning, ctx: CellContext): Reply {
    const ev = (type: string, data: Record<string, unknown>) => sse({ type, ...data }, type);
    const frames = [
      ev('message_start', {
        message: {
          id: 'msg_019Q1hrJbZG26Fb9BQhrkHEr',
          type: 'message',
          role: 'assistant',
          model: ctx.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: usage(m.usage.input, 1),
        },
      }),
    ];
    let index = 0;
    if (m.text) {
      frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }), ev('ping', {}));
      for (const p of pieces(m.text, 2)) frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } }));
      frames.push(ev('content_block_stop', { index }));
      index++;
    }
    m.toolCalls.forEach((c, i) => {
      frames.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: IDS[i], name: c.name, input: {} } }));
      frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }));
      for (const p of pieces(JSON.stringify(c.args), 3))
        frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }));
      frames.push(ev('content_block_stop', { index }));
      index++;
    });
    frames.push(ev('message_delta', { delta: { stop_reason: STOP[m.stop], stop_sequence: null }, usage: { output_tokens: m.usage.output } }));
    frames.push(ev('message_stop', {}));
    return { sse: frames };
  }

  function checkBody(request: RecordedRequest, ctx: CellContext): void {
    const body = request.body as Record<string, any>;
    assertSchema(requestSchemas.anthropic, body, 'anthropic request body');
    assert.equal(body.model, ctx.model);
    assert.equal(typeof body.max_tokens, 'number');
    const messages = body.messages as Record<string, any>[];
    assert.equal(textOf(messages[0]!.content), USER_TEXT[ctx.scenario]);
    if (ctx.scenario === 'text') {
      assert.equal(textOf(body.system), SYSTEM);
      assert.deepEqual(
        messages.map((msg) => msg.role),
        ['user'],
      );
    }
    if (ctx.scenario === 'tool-result') {
      assert.deepEqual(
        messages.map((msg) => msg.role),
        ['user', 'assistant', 'user'],
      );
      const use = (messages[1]!.content as Record<string, any>[]).find((b) => b.type === 'tool_use');
      assert.deepEqual(use, { type: 'tool_use', id: ctx.priorCallId, name: 'get_weather', input: PRIOR_ARGS });
      const result = (messages[2]!.content as Record<string, any>[]).find((b) => b.type === 'tool_result');
      assert.equal(result?.tool_use_id, ctx.priorCallId);
      assert.deepEqual(JSON.parse(textOf(result.content)), { temp_c: 18 });
    }
    if (ctx.scenario === 'image') {
      const image = (messages[0]!.content as Record<string, any>[]).find((b) => b.type === 'image');
      assert.deepEqual(image?.source, { type: 'base64', media_type: 'image/png', data: PNG }, 'the image reaches Anthropic as a base64 image block');
    }
    if (WITH_TOOLS.has(ctx.scenario)) {
      const tool = (body.tools as Record<string, any>[]).find((t) => t.name === 'get_weather');
      assert.equal(tool?.input_schema?.type, 'object');
    }
    assert.equal(body.stream === true, ctx.stream);
  }

  return { reply: (m, ctx) => (ctx.stream ? stream(m, ctx) : json(m, ctx)), checkBody, toolCallIds: IDS };
}
