import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpErrorCode } from './errors.js';
import { UNAVAILABLE_META_KEY } from './member-listing.js';
import { eventually, startHarness, textOf, type Harness } from './harness.test.util.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const names = (list: { name: string }[]) => list.map((t) => t.name).sort();

/** A raw JSON-RPC POST to a profile, for what the SDK client hides (status codes, foreign session ids). */
const rawPost = (profile: string, headers: Record<string, string>, body: unknown) =>
  fetch(`${h.base}/mcp/${profile}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

test('one profile lists the tools, prompts and resources of all its members (Streamable HTTP, SSE, stdio), prefixed by member', async () => {
  const { secret } = await h.key();
  const client = await h.connect('dev', secret);
  const { tools, _meta } = await client.listTools();
  const base = ['add_tool', 'echo', 'slow', 'wait', 'whoami'];
  assert.deepEqual(names(tools), ['alpha', 'beta', 'local'].flatMap((m) => base.map((t) => `${m}__${t}`)).sort());
  assert.equal(_meta?.[UNAVAILABLE_META_KEY], undefined);
  assert.deepEqual(tools.find((t) => t.name === 'beta__echo')?.inputSchema.required, ['text']);
  assert.deepEqual(names((await client.listPrompts()).prompts), ['alpha__greet', 'beta__greet', 'local__greet']);
  const { resources } = await client.listResources();
  assert.deepEqual(names(resources), ['alpha__readme', 'beta__readme', 'local__readme']);
  assert.equal(client.getInstructions(), 'Developer tools');
  // Credentials from the config reached each remote member; never the client's key.
  assert.ok(h.alpha.state.authorization.includes('Bearer alpha-token'));
  assert.ok(h.beta.state.authorization.includes('Bearer beta-token'));
});

test('a call reaches the member its prefix names; prompts and resources too', async () => {
  const { secret } = await h.key();
  const client = await h.connect('dev', secret);
  assert.equal(textOf(await client.callTool({ name: 'alpha__whoami' })), 'alpha');
  assert.equal(textOf(await client.callTool({ name: 'beta__echo', arguments: { text: 'hi' } })), 'beta: hi');
  assert.equal(textOf(await client.callTool({ name: 'local__whoami' })), 'local');
  const prompt = await client.getPrompt({ name: 'beta__greet', arguments: { who: 'ann' } });
  assert.equal((prompt.messages[0]!.content as { text: string }).text, 'beta greets ann');
  await client.listResources();
  const read = await client.readResource({ uri: 'alpha://readme' });
  assert.equal((read.contents[0] as { text: string }).text, 'readme of alpha');
  // An upstream's own error passes through as a JSON-RPC error naming the problem.
  await assert.rejects(client.callTool({ name: 'nobody__whoami' }), (err: McpError) => /Unknown tool/.test(err.message));
});

test('a key without the profile gets 403; without a key 401; another key cannot use a session', async () => {
  const { secret } = await h.key({ allowedMcpProfiles: ['ops'] });
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const post = (profile: string, headers: Record<string, string>) => rawPost(profile, headers, init);
  const denied = await post('dev', { authorization: `Bearer ${secret}` });
  assert.equal(denied.status, 403);
  assert.match(((await denied.json()) as { error: { message: string } }).error.message, /may not use MCP profile "dev"/);
  assert.equal((await post('dev', {})).status, 401);
  assert.equal((await post('nope', { authorization: `Bearer ${secret}` })).status, 404);
  // The SDK client sees the refusal too.
  await assert.rejects(h.connect('dev', secret), (err: { code?: number }) => err.code === 403);
  // The allowed profile works with the same key.
  const client = await h.connect('ops', secret);
  assert.equal(textOf(await client.callTool({ name: 'alpha__whoami' })), 'alpha');
  // A session id is no credential: another key presenting it is told the session does not exist.
  const other = await h.key();
  const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
  const hijack = await rawPost(
    'ops',
    { authorization: `Bearer ${other.secret}`, 'mcp-session-id': sessionId },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  );
  assert.equal(hijack.status, 404);
});

test('a key limited to some tools sees and calls only those', async () => {
  const { secret } = await h.key({ allowedMcpProfiles: ['dev'], allowedMcpTools: ['dev/alpha__*', 'dev/beta__whoami'] });
  const client = await h.connect('dev', secret);
  const { tools } = await client.listTools();
  assert.deepEqual(names(tools), ['alpha__add_tool', 'alpha__echo', 'alpha__slow', 'alpha__wait', 'alpha__whoami', 'beta__whoami']);
  await assert.rejects(client.callTool({ name: 'beta__echo', arguments: { text: 'x' } }), (err: McpError) => err.code === McpErrorCode.forbidden);
  assert.equal(h.records.at(-1)?.outcome, 'forbidden');
});

test('revoking a key ends its open sessions and their upstream sessions', async () => {
  const { id, secret } = await h.key();
  const client = await h.connect('ops', secret);
  assert.equal(textOf(await client.callTool({ name: 'alpha__whoami' })), 'alpha');
  const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
  const upstreamClosed = h.alpha.state.closed;
  const before = h.mcp.sessionCount;
  await h.keys.revoke(id);
  await eventually(() => h.mcp.sessionCount === before - 1, 'the session to close');
  await eventually(() => h.alpha.state.closed > upstreamClosed, 'the upstream session to end');
  await assert.rejects(client.callTool({ name: 'alpha__whoami' }));
  // Even a fresh key could not resume it: the session is gone.
  const fresh = await h.key();
  const resumed = await rawPost(
    'ops',
    { authorization: `Bearer ${fresh.secret}`, 'mcp-session-id': sessionId },
    { jsonrpc: '2.0', id: 9, method: 'tools/list' },
  );
  assert.equal(resumed.status, 404);
});

test('a dead member is left out of listings and reported (listing _meta, admin view), the rest of the profile works', async () => {
  const { secret } = await h.key();
  const client = await h.connect('flaky', secret);
  const { tools, _meta } = await client.listTools();
  assert.deepEqual(names(tools), ['alpha__add_tool', 'alpha__echo', 'alpha__slow', 'alpha__wait', 'alpha__whoami']);
  assert.deepEqual(_meta?.[UNAVAILABLE_META_KEY], ['gone']);
  assert.equal(textOf(await client.callTool({ name: 'alpha__whoami' })), 'alpha');
  await assert.rejects(
    client.callTool({ name: 'gone__anything' }),
    (err: McpError) => err.code === McpErrorCode.memberUnavailable && /"gone" is unavailable/.test(err.message),
  );
  const view = h.mcp.get('flaky')!;
  const gone = view.members.find((m) => m.name === 'gone')!;
  assert.equal(gone.status, 'down');
  assert.match(gone.lastError ?? '', /./);
  assert.equal(view.members.find((m) => m.name === 'alpha')!.status, 'up');
  assert.equal(h.records.at(-1)?.outcome, 'unavailable');
});

test('progress notifications and cancellation pass through to the member', async () => {
  const { secret } = await h.key();
  const client = await h.connect('dev', secret);
  const progress: number[] = [];
  const result = await client.callTool({ name: 'beta__slow', arguments: { steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
  assert.equal(textOf(result), 'done in 3');
  assert.deepEqual(progress, [1, 2, 3]);

  const cancelled = h.alpha.state.cancelled;
  const controller = new AbortController();
  const call = client.callTool({ name: 'alpha__wait' }, undefined, { signal: controller.signal });
  await eventually(() => h.alpha.state.calls.at(-1) === 'wait', 'the call to reach alpha');
  controller.abort();
  await assert.rejects(call);
  await eventually(() => h.alpha.state.cancelled === cancelled + 1, 'alpha to see the cancellation');
  await eventually(() => h.records.some((r) => r.tool === 'alpha__wait' && r.outcome === 'cancelled'), 'the cancelled call to be logged');
});

test("a member's list-changed notification reaches the client, and the new tool is callable", async () => {
  const { secret } = await h.key();
  const client = await h.connect('ops', secret);
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  await client.listTools();
  const added = textOf(await client.callTool({ name: 'alpha__add_tool' }));
  await eventually(() => changed > 0, 'tools/list_changed');
  assert.ok(names((await client.listTools()).tools).includes(`alpha__${added}`));
  assert.equal(textOf(await client.callTool({ name: `alpha__${added}` })), added);
});

test('per-key rate limits apply to tool calls', async () => {
  const { secret } = await h.key({ limits: { requestsPerMinute: 2 } });
  const client = await h.connect('ops', secret);
  await client.callTool({ name: 'alpha__whoami' });
  await client.callTool({ name: 'alpha__whoami' });
  await assert.rejects(client.callTool({ name: 'alpha__whoami' }), (err: McpError) => {
    assert.equal(err.code, McpErrorCode.rateLimited);
    assert.ok((err.data as { retry_after_ms: number }).retry_after_ms > 0);
    return true;
  });
  // Listing is not a tool call: still fine.
  assert.ok((await client.listTools()).tools.length > 0);
});

test('every tool call is logged (profile, member, tool, key, duration, outcome, sizes; no bodies by default) and counted', async () => {
  const { id, secret } = await h.key();
  const client = await h.connect('dev', secret);
  await client.callTool({ name: 'beta__echo', arguments: { text: 'secret stuff' } });
  const record = h.records.findLast((r) => r.key === id)!;
  assert.equal(record.profile, 'dev');
  assert.equal(record.member, 'beta');
  assert.equal(record.tool, 'beta__echo');
  assert.equal(record.outcome, 'ok');
  assert.equal(record.requestBytes, Buffer.byteLength(JSON.stringify({ text: 'secret stuff' })));
  assert.ok(record.responseBytes > 0);
  assert.ok(record.durationMs >= 0);
  assert.equal(record.arguments, undefined);
  assert.equal(record.result, undefined);
  const metrics = await h.registry.metrics();
  assert.match(metrics, /switchyard_mcp_tool_calls_total\{profile="dev",member="beta",outcome="ok"\} [1-9]/);
  assert.match(metrics, /switchyard_mcp_member_up\{profile="flaky",member="gone"\} 0/);
  assert.doesNotMatch(metrics, new RegExp(secret));
});

test('a call past its deadline times out (the member is told to cancel), and is logged as a timeout', async () => {
  const { secret } = await h.key();
  const client = await h.connect('tight', secret);
  const cancelled = h.alpha.state.cancelled;
  await assert.rejects(client.callTool({ name: 'alpha__wait' }), (err: McpError) => /timed out/i.test(err.message));
  await eventually(() => h.alpha.state.cancelled === cancelled + 1, 'alpha to see the cancellation');
  assert.equal(h.records.findLast((r) => r.profile === 'tight')?.outcome, 'timeout');
});
