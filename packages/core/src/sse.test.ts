import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, SseTruncatedError, formatSseComment, formatSseEvent, parseSseStream, type SseEvent } from './sse.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** Feed `chunks` to a fresh parser; return every event and the end() result. */
function parseChunks(chunks: Array<Uint8Array | string>) {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  return { events, tail: parser.end() };
}

interface Case {
  name: string;
  bytes: Buffer;
  events: SseEvent[];
}

const CORPUS: Case[] = [
  {
    name: 'OpenAI chunks with multi-byte UTF-8 (2, 3 and 4 bytes)',
    bytes: Buffer.from('data: {"content":"h\u00e9llo \u20ac \ud834\udd1e"}\n\ndata: [DONE]\n\n'),
    events: [{ data: '{"content":"h\u00e9llo \u20ac \ud834\udd1e"}' }, { data: '[DONE]' }],
  },
  {
    name: 'CRLF line endings with event names',
    bytes: Buffer.from('event: message_start\r\ndata: {"type":"message_start"}\r\n\r\nevent: ping\r\ndata: {}\r\n\r\n'),
    events: [
      { event: 'message_start', data: '{"type":"message_start"}' },
      { event: 'ping', data: '{}' },
    ],
  },
  {
    name: 'CR-only line endings, comments, id and retry',
    bytes: Buffer.from('data:a\rdata:b\r\r: comment\rid: 7\rretry: 1500\rdata: c\r\r'),
    events: [{ data: 'a\nb' }, { data: 'c', id: '7', retry: 1500 }],
  },
  {
    name: 'no space after the colon, multi-line data, unknown fields, an event without data',
    bytes: Buffer.from(':hi\n\nevent: lonely\n\nfoo: bar\ndata:line1\ndata: line2\ndata:  two spaces\n\ndata\n\n'),
    events: [{ data: 'line1\nline2\n two spaces' }, { data: '' }],
  },
  {
    name: 'a byte order mark opening the stream (dropped) and one inside a value (kept)',
    bytes: Buffer.from('\ufeffdata: a\n\ndata: \ufeffb\n\n'),
    events: [{ data: 'a' }, { data: '\ufeffb' }],
  },
  {
    name: 'LF-only chunks meeting a CR later in the stream',
    bytes: Buffer.from('data: one\n\ndata:two\n\nevent: e\r\ndata: three\r\n\r\ndata: four\n\n'),
    events: [{ data: 'one' }, { data: 'two' }, { event: 'e', data: 'three' }, { data: 'four' }],
  },
  {
    name: 'mixed CRLF, CR and LF in one stream',
    bytes: Buffer.from('data: x\r\ndata: y\rdata: z\n\r\nevent: e\n\ndata: \u00fc\r\r'),
    events: [{ data: 'x\ny\nz' }, { data: '\u00fc' }],
  },
];

describe('SseParser', () => {
  for (const c of CORPUS) {
    it(`${c.name}: same events at every split offset`, () => {
      for (let k = 0; k <= c.bytes.length; k++) {
        const { events, tail } = parseChunks([c.bytes.subarray(0, k), c.bytes.subarray(k)]);
        assert.deepEqual(events, c.events, `split at byte ${k}`);
        assert.equal(tail.complete, true, `split at byte ${k}`);
      }
    });

    it(`${c.name}: same events at every pair of split offsets and byte by byte`, () => {
      const n = c.bytes.length;
      for (let i = 0; i <= n; i++) {
        for (let j = i; j <= n; j++) {
          const { events } = parseChunks([c.bytes.subarray(0, i), c.bytes.subarray(i, j), c.bytes.subarray(j)]);
          assert.deepEqual(events, c.events, `split at bytes ${i} and ${j}`);
        }
      }
      const bytewise = [...c.bytes].map((b) => Uint8Array.of(b));
      assert.deepEqual(parseChunks(bytewise).events, c.events);
    });
  }

  it('a real Anthropic stream parses the same at every split offset', () => {
    const bytes = fixture('basic_response.sse');
    const whole = parseChunks([bytes]);
    assert.equal(whole.tail.complete, true);
    assert.deepEqual(
      whole.events.map((e) => e.event),
      [
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    for (const ev of whole.events) assert.equal((JSON.parse(ev.data) as { type: string }).type, ev.event);
    for (let k = 0; k <= bytes.length; k++) {
      assert.deepEqual(parseChunks([bytes.subarray(0, k), bytes.subarray(k)]).events, whole.events, `split at byte ${k}`);
    }
  });

  it('drops a byte order mark only where the stream opens, whether it comes as bytes or text', () => {
    assert.deepEqual(parseChunks(['\ufeffdata: a\n\n']).events, [{ data: 'a' }]);
    assert.deepEqual(parseChunks(['', '\ufeff', 'data: a\n\n']).events, [{ data: 'a' }]);
    // The second mark is the first character of a line named "\ufeffdata", an unknown field.
    assert.deepEqual(parseChunks(['\ufeff', '\ufeffdata: a\n\ndata: b\n\n']).events, [{ data: 'b' }]);
    // A stream of nothing but the mark, or with its last event unterminated.
    assert.deepEqual(parseChunks([Buffer.from('\ufeff')]).tail, { complete: true });
    assert.deepEqual(parseChunks([Buffer.from('\ufeffdata: x')]).tail, { complete: false, pending: { data: 'x' } });
  });

  it('replaces bytes that are not UTF-8 with U+FFFD and goes on', () => {
    const bytes = Buffer.concat([Buffer.from('data: a'), Buffer.from([0xff, 0xc3]), Buffer.from('\n\ndata: b\n\n')]);
    assert.deepEqual(parseChunks([bytes]).events, [{ data: 'a\ufffd\ufffd' }, { data: 'b' }]);
    // A character cut at the very end of the stream.
    assert.deepEqual(parseChunks([Buffer.from('data: x\n\ndata: \xe2\x82', 'latin1')]).tail, { complete: false, pending: { data: '\ufffd' } });
  });

  it('an empty chunk between CR and LF does not turn the LF into a blank line', () => {
    for (const empty of ['', new Uint8Array(0)]) {
      const { events } = parseChunks(['data: a\r', empty, '\ndata: b\r\n', empty, '\r', empty, '\n']);
      assert.deepEqual(events, [{ data: 'a\nb' }]);
    }
  });

  it('an id carries over to later events, an id with NUL is ignored, a bad retry is ignored', () => {
    const { events } = parseChunks(['id: 1\ndata: a\n\ndata: b\n\nid: x\0y\nretry: 1s\ndata: c\n\n']);
    assert.deepEqual(events, [
      { data: 'a', id: '1' },
      { data: 'b', id: '1' },
      { data: 'c', id: '1' },
    ]);
  });

  it('end() reports a trailing event without its blank line as truncated, and does not dispatch it', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('data: a\n\nevent: last\ndata: b'), [{ data: 'a' }]);
    assert.deepEqual(parser.end(), { complete: false, pending: { event: 'last', data: 'b' } });

    const oneNewline = parseChunks(['data: a\n\ndata: b\n']);
    assert.deepEqual(oneNewline.events, [{ data: 'a' }]);
    assert.equal(oneNewline.tail.complete, false);

    assert.deepEqual(parseChunks(['data: a\n\n: trailing comment']).tail, { complete: true });
    assert.deepEqual(parseChunks([]).tail, { complete: true });
  });

  it('the recorded refusal stream is truncated: its last event is reported, not dispatched', () => {
    const { events, tail } = parseChunks([fixture('refusal_response.sse')]);
    assert.notEqual(events.at(-1)?.event, 'message_stop');
    assert.equal(tail.complete, false);
    assert.deepEqual(tail.pending, { event: 'message_stop', data: '{"type":"message_stop"}' });
  });
});

async function* chunksOf(...chunks: string[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield Buffer.from(chunk);
}

describe('parseSseStream', () => {
  it('yields every event of a complete stream', async () => {
    const events: SseEvent[] = [];
    for await (const ev of parseSseStream(chunksOf('data: 1\n', '\ndata', ': 2\n\n'))) events.push(ev);
    assert.deepEqual(events, [{ data: '1' }, { data: '2' }]);
  });

  it('throws SseTruncatedError after the whole events when the stream stops inside one', async () => {
    const events: SseEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of parseSseStream(chunksOf('data: 1\n\n', 'event: x\ndata: 2'))) events.push(ev);
      })(),
      (err: unknown) => err instanceof SseTruncatedError && err.pending?.data === '2' && err.pending.event === 'x',
    );
    assert.deepEqual(events, [{ data: '1' }]);
  });
});

describe('formatSseEvent', () => {
  const events: SseEvent[] = [
    { data: '{"a":1}' },
    { event: 'content_block_delta', data: 'line 1\nline 2\n\nline 4' },
    { event: 'ping', data: '' },
    { data: 'ends with a newline\n' },
    { data: 'caf\u00e9 \u20ac \ud834\udd1e', id: 'evt-9', retry: 2000 },
  ];

  it('every event ends with the blank line that dispatches it', () => {
    for (const ev of events) {
      const text = formatSseEvent(ev);
      assert.ok(text.endsWith('\n\n'), JSON.stringify(text));
      assert.deepEqual(new SseParser().push(text), [ev], 'dispatched without end()');
    }
  });

  it('round-trips through the parser at every split offset', () => {
    const bytes = Buffer.from(events.map(formatSseEvent).join(''));
    for (let k = 0; k <= bytes.length; k++) {
      const { events: parsed, tail } = parseChunks([bytes.subarray(0, k), bytes.subarray(k)]);
      assert.deepEqual(parsed, events, `split at byte ${k}`);
      assert.equal(tail.complete, true);
    }
  });

  it('writes multi-line data as one data line per line (CR and CRLF become LF)', () => {
    assert.equal(formatSseEvent({ event: 'e', data: 'a\nb' }), 'event: e\ndata: a\ndata: b\n\n');
    assert.deepEqual(new SseParser().push(formatSseEvent({ data: 'a\r\nb\rc' })), [{ data: 'a\nb\nc' }]);
  });

  it('cannot be made to emit extra fields through a line break in the event name or id', () => {
    const text = formatSseEvent({ event: 'x\n\ndata: injected', id: '1\r\nevent: y', data: 'real' });
    assert.deepEqual(new SseParser().push(text), [{ event: 'x data: injected', id: '1 event: y', data: 'real' }]);
  });
});

describe('formatSseComment', () => {
  it('writes a comment the parser ignores', () => {
    assert.equal(formatSseComment('keep-alive'), ': keep-alive\n\n');
    assert.equal(formatSseComment(), ':\n\n');
    assert.equal(formatSseComment('a\r\nb'), ': a b\n\n');
    const { events, tail } = parseChunks([formatSseComment('a\nb'), formatSseEvent({ data: 'x' }), formatSseComment()]);
    assert.deepEqual(events, [{ data: 'x' }]);
    assert.equal(tail.complete, true);
  });
});
