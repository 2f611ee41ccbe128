/**
 * Gemini generateContent / streamGenerateContent?alt=sse on the wire (AI Studio and Vertex AI
 * speak the same body). Gemini streams a functionCall whole, in one part, never as argument
 * fragments: that is its format, so the streamed tool calls arrive in one chunk after the text.
 */
import assert from 'node:assert/strict';
import { type RecordedRequest, type Reply } from '../support/upstream.js';
import { pieces, PNG, PRIOR_ARGS, SYSTEM, USER_TEXT, WITH_TOOLS, type Meaning } from './scenarios.js';
import type { CellContext, Wire } from './wire.js';

const FINISH = { end: 'STOP', tool: 'STOP', length: 'MAX_TOKENS' } as const;

/** Google frames its SSE with CRLF. */
const frame = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;

export function googleWire(): Wire {
  const usage = (m: Meaning) => ({ promptTokenCount: m.usage.input, candidatesTokenCount: m.usage.output, totalTokenCount: m.usage.input + m.usage.output });
  const common = (ctx: CellContext) => ({ modelVersion: ctx.model, responseId: 'mAitaLmkHPPlz7IPvtfUqQ4' });
  const callParts = (m: Meaning) => m.toolCalls.map((c) => ({ functionCall: { name: c.name, args: c.args } }));

  function json(m: Meaning, ctx: CellContext): Reply {
    const parts = [...(m.text ? [{ text: m.text }] : []), ...callParts(m)];
    return { json: { candidates: [{ content: { parts, role: 'model' }, finishReason: FINISH[m.stop], index: 0 }], usageMetadata: usage(m), ...common(ctx) } };
  }

  function stream(m: Meaning, ctx: CellContext): Reply {
    const frames = pieces(m.text, 2).map((text) =>
      frame({
        candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0 }],
        usageMetadata: { promptTokenCount: m.usage.input, totalTokenCount: m.usage.input },
        ...common(ctx),
      }),
    );
    frames.push(
      frame({
        candidates: [{ content: { parts: callParts(m).length ? callParts(m) : [{ text: '' }], role: 'model' }, finishReason: FINISH[m.stop], index: 0 }],
        usageMetadata: usage(m),
        ...common(ctx),
      }),
    );
    return { sse: frames };
  }

  function checkBody(request: RecordedRequest, ctx: CellContext): void {
    const body = request.body as Record<string, any>;
    assert.equal(body.model, undefined, 'the model is in the URL, not the body');
    assert.equal(body.messages, undefined);
    const contents = body.contents as Record<string, any>[];
    assert.equal(contents[0]!.role, 'user');
    assert.equal(contents[0]!.parts[0].text, USER_TEXT[ctx.scenario]);
    if (ctx.scenario === 'text') {
      assert.deepEqual(body.systemInstruction, { parts: [{ text: SYSTEM }] });
      assert.equal(contents.length, 1);
    }
    if (ctx.scenario === 'tool-result') {
      assert.deepEqual(
        contents.map((c) => c.role),
        ['user', 'model', 'user'],
      );
      assert.deepEqual(contents[1]!.parts, [{ functionCall: { name: 'get_weather', args: PRIOR_ARGS } }]);
      // Gemini has no call ids: the result is matched by name, looked up from the call's id.
      assert.deepEqual(contents[2]!.parts, [{ functionResponse: { name: 'get_weather', response: { temp_c: 18 } } }]);
    }
    if (ctx.scenario === 'image') {
      assert.deepEqual(contents[0]!.parts[1], { inlineData: { mimeType: 'image/png', data: PNG } }, 'the image reaches Gemini as inlineData');
    }
    if (WITH_TOOLS.has(ctx.scenario)) {
      const names = (body.tools[0].functionDeclarations as Record<string, any>[]).map((f) => f.name);
      assert.ok(names.includes('get_weather'));
    }
  }

  return { reply: (m, ctx) => (ctx.stream ? stream(m, ctx) : json(m, ctx)), checkBody };
}
