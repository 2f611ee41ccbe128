import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { UNAVAILABLE_META_KEY } from './member-listing.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { deadUrl, eventually, startHarness, textOf } from './harness.test.util.js';
import { startStreamableHttpFixture } from './testing.js';

test('a failing member opens its breaker: it is skipped without being contacted until the cool-down ends; the others still answer', async () => {
  let hits = 0;
  const broken = createServer((req, res) => {
    hits++;
    res.writeHead(503).end('down for maintenance');
  });
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  const alpha = await startStreamableHttpFixture('alpha');
  const brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/mcp`;
  const h = await startHarness({
    profiles: [
      {
        name: 'mixed',
        members: [
          { name: 'alpha', transport: 'streamable-http', url: alpha.url },
          { name: 'broken', transport: 'streamable-http', url: brokenUrl },
        ],
      },
    ],
    breakerFailures: 2,
    breakerCoolDownMs: 60_000,
  });
  try {
    const { secret } = await h.key();
    const client = await h.connect('mixed', secret);
    for (let i = 0; i < 2; i++) assert.deepEqual((await client.listTools())._meta?.[UNAVAILABLE_META_KEY], ['broken']);
    await eventually(() => h.mcp.get('mixed')!.members[1]!.breaker === 'open', 'the breaker to open');
    const before = hits;
    const { tools, _meta } = await client.listTools();
    assert.deepEqual(_meta?.[UNAVAILABLE_META_KEY], ['broken']);
    assert.ok(tools.length === 5 && tools.every((t) => t.name.startsWith('alpha__')));
    await assert.rejects(client.callTool({ name: 'broken__anything' }), (err: McpError) => /circuit open/.test(err.message));
    assert.equal(hits, before, 'an open breaker sends nothing to the member');
    const view = h.mcp.get('mixed')!.members[1]!;
    assert.equal(view.status, 'down');
    assert.match(view.lastError ?? '', /503|down for maintenance/i);
    assert.equal(textOf(await client.callTool({ name: 'alpha__whoami' })), 'alpha');
  } finally {
    await h.close();
    await alpha.close();
    broken.closeAllConnections();
    await new Promise<void>((resolve) => broken.close(() => resolve()));
  }
});

test("a client's mistakes (unknown tool, bad arguments) never count against a member's breaker", async () => {
  const h = await startHarness({ breakerFailures: 2 });
  try {
    const { secret } = await h.key();
    const client = await h.connect('ops', secret);
    for (let i = 0; i < 4; i++) {
      const answer = await client.callTool({ name: 'alpha__no_such_tool' }).catch((err: unknown) => err);
      assert.ok(answer instanceof McpError || (answer as { isError?: boolean }).isError);
      const bad = await client.callTool({ name: 'alpha__echo', arguments: { text: 42 } }).catch((err: unknown) => err);
      assert.ok(bad instanceof McpError || (bad as { isError?: boolean }).isError);
    }
    const alpha = h.mcp.get('ops')!.members[0]!;
    assert.deepEqual([alpha.status, alpha.breaker], ['up', 'closed']);
    assert.equal(textOf(await client.callTool({ name: 'alpha__whoami' })), 'alpha');
  } finally {
    await h.close();
  }
});

test('an idle session is closed with its upstream sessions', async () => {
  const h = await startHarness({ sessionIdleMs: 300 });
  try {
    const { secret } = await h.key();
    const client = await h.connect('ops', secret);
    await client.listTools();
    const closed = h.alpha.state.closed;
    await eventually(() => h.mcp.sessionCount === 0, 'the idle session to close');
    await eventually(() => h.alpha.state.closed > closed, 'the upstream session to end');
  } finally {
    await h.close();
  }
});

test('with body capture on, the tool-call record carries the arguments and result, truncated', async () => {
  const h = await startHarness({ captureBodies: true, captureLimit: 40 });
  try {
    const { secret } = await h.key();
    const client = await h.connect('ops', secret);
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'x'.repeat(100) } });
    const record = h.records.at(-1)!;
    assert.equal(record.arguments, `${JSON.stringify({ text: 'x'.repeat(100) }).slice(0, 40)}…`);
    assert.equal(record.result, `${JSON.stringify({ content: [{ type: 'text', text: `alpha: ${'x'.repeat(100)}` }] }).slice(0, 40)}…`);
  } finally {
    await h.close();
  }
});

test('a member that comes back joins the listing, and open sessions are told the tool list changed', async () => {
  const lateUrl = await deadUrl('/mcp');
  const h = await startHarness({ profiles: [{ name: 'grow', members: [{ name: 'late', transport: 'streamable-http', url: lateUrl }] }] });
  let late: Awaited<ReturnType<typeof startStreamableHttpFixture>> | undefined;
  try {
    const { secret } = await h.key();
    const client = await h.connect('grow', secret);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    assert.deepEqual((await client.listTools())._meta?.[UNAVAILABLE_META_KEY], ['late']);
    late = await startStreamableHttpFixture('late', Number(new URL(lateUrl).port));
    const { tools, _meta } = await client.listTools();
    assert.equal(_meta, undefined);
    assert.ok(tools.some((t) => t.name === 'late__whoami'));
    await eventually(() => changed > 0, 'tools/list_changed after the member came back');
  } finally {
    await h.close();
    await late?.close();
  }
});
