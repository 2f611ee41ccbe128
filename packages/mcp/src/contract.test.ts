import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { eventually, startHarness, textOf } from './harness.test.util.js';

for (const framework of ['koa', 'express'] as const) {
  test(`${framework}: the mount serves a profile, ends a session on DELETE, and the admin routes list profiles, members and health`, async () => {
    const h = await startHarness({}, framework);
    try {
      const { secret } = await h.key();
      const client = await h.connect('ops', secret);
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), [
        'alpha__add_tool',
        'alpha__echo',
        'alpha__slow',
        'alpha__wait',
        'alpha__whoami',
      ]);
      assert.equal(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: framework } })), `alpha: ${framework}`);

      const all = (await (await fetch(`${h.base}/admin/mcp/profiles`)).json()) as {
        profiles: { name: string; sessions: number; members: Record<string, unknown>[] }[];
      };
      assert.deepEqual(
        all.profiles.map((p) => p.name),
        ['dev', 'ops', 'tight', 'flaky'],
      );
      const ops = all.profiles.find((p) => p.name === 'ops')!;
      assert.equal(ops.sessions, 1);
      assert.deepEqual(Object.keys(ops.members[0]!).sort(), [
        'breaker',
        'last_error',
        'last_failure_at',
        'last_ok_at',
        'name',
        'status',
        'target',
        'transport',
      ]);
      assert.equal(ops.members[0]!.status, 'up');
      assert.equal(ops.members[0]!.target, h.alpha.url);
      assert.equal((await fetch(`${h.base}/admin/mcp/profiles/nope`)).status, 404);
      const dev = (await (await fetch(`${h.base}/admin/mcp/profiles/dev`)).json()) as { members: { name: string; target: string }[] };
      assert.deepEqual(
        dev.members.map((m) => m.name),
        ['alpha', 'beta', 'local'],
      );
      assert.ok(!JSON.stringify(dev).includes('alpha-token'), 'configured credentials are never shown');

      const probed = (await (await fetch(`${h.base}/admin/mcp/profiles/flaky/probe`, { method: 'POST' })).json()) as {
        members: { name: string; status: string }[];
      };
      assert.deepEqual(
        probed.members.map((m) => [m.name, m.status]),
        [
          ['alpha', 'up'],
          ['gone', 'down'],
        ],
      );

      const closedUpstream = h.alpha.state.closed;
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      await eventually(() => h.mcp.sessionCount === 0, 'the session to end');
      await eventually(() => h.alpha.state.closed > closedUpstream, 'the upstream session to end');
    } finally {
      await h.close();
    }
  });
}
