import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpMember, ResolvedOptions } from './options.js';
import type { MemberRuntime } from './profile-runtime.js';

/** The transport of one member, built from its config (credentials stay in headers, never in logs). */
function transportFor(member: McpMember, extraHeaders: Record<string, string> | undefined): Transport {
  switch (member.transport) {
    case 'streamable-http':
      return new StreamableHTTPClientTransport(new URL(member.url), { requestInit: { headers: withHeaders(member.headers, extraHeaders) } });
    case 'sse':
      return new SSEClientTransport(new URL(member.url), { requestInit: { headers: withHeaders(member.headers, extraHeaders) } });
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

/** Configured headers with `extra` over them (header names compared case-insensitively). */
function withHeaders(configured: Record<string, string> | undefined, extra: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(configured ?? {})) out[name.toLowerCase()] = value;
  for (const [name, value] of Object.entries(extra ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/**
 * Connect and initialise an MCP client to one member, within `timeoutMs` (connecting, the SSE
 * endpoint event and the initialize round trip together). On failure nothing is left open.
 */
export async function connectMember(
  member: McpMember,
  clientInfo: { name: string; version: string },
  timeoutMs: number,
  extraHeaders?: Record<string, string>,
): Promise<Client> {
  const client = new Client(clientInfo, { capabilities: {} });
  const transport = transportFor(member, extraHeaders);
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

/** Whether a failed connect was refused for its credentials (HTTP 401/403 from the member). */
export function isAuthRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 401 || code === 403;
}

/**
 * The header carrying the caller's own credential for a member that takes BYOK, when the
 * caller holds that credential; undefined otherwise (the configured headers apply).
 */
export function byokHeaders(member: McpMember, credential: (name: string) => string | undefined): Record<string, string> | undefined {
  if (member.transport === 'stdio' || !member.byok) return undefined;
  const secret = credential(member.byok.credential);
  if (secret === undefined) return undefined;
  const header = (member.byok.header ?? 'authorization').toLowerCase();
  const scheme = member.byok.scheme ?? (header === 'authorization' ? 'Bearer' : '');
  return { [header]: scheme ? `${scheme} ${secret}` : secret };
}
