import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpMember, ResolvedOptions } from './options.js';
import type { MemberRuntime } from './profile-runtime.js';

/** The transport of one member, built from its config (credentials stay in headers, never in logs). */
function transportFor(member: McpMember): Transport {
  switch (member.transport) {
    case 'streamable-http':
      return new StreamableHTTPClientTransport(new URL(member.url), { requestInit: { headers: member.headers ?? {} } });
    case 'sse':
      return new SSEClientTransport(new URL(member.url), { requestInit: { headers: member.headers ?? {} } });
    case 'stdio':
      return new StdioClientTransport({
        command: member.command,
        args: member.args ?? [],
        env: { ...getDefaultEnvironment(), ...member.env },
        ...(member.cwd ? { cwd: member.cwd } : {}),
        stderr: 'ignore',
      });
  }
}

/**
 * Connect and initialise an MCP client to one member, within `timeoutMs` (connecting, the SSE
 * endpoint event and the initialize round trip together). On failure nothing is left open.
 */
export async function connectMember(member: McpMember, clientInfo: { name: string; version: string }, timeoutMs: number): Promise<Client> {
  const client = new Client(clientInfo, { capabilities: {} });
  const transport = transportFor(member);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connecting to member "${member.name}" timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(transport, { timeout: timeoutMs }), deadline]);
    return client;
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Close a member's client, ending its upstream session first when the transport has one. */
export async function closeMember(client: Client): Promise<void> {
  const transport = client.transport;
  if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) await transport.terminateSession().catch(() => {});
  await client.close().catch(() => {});
}

/** One health check of a member through its breaker: connect, list tools, disconnect. */
export async function probeMember(member: MemberRuntime, o: Pick<ResolvedOptions, 'serverInfo' | 'connectTimeoutMs'>): Promise<void> {
  await member.health.execute(async () => {
    const client = await connectMember(member.config, o.serverInfo, o.connectTimeoutMs);
    try {
      if (client.getServerCapabilities()?.tools) await client.listTools({}, { timeout: member.timeoutMs });
    } finally {
      await closeMember(client);
    }
  });
}
