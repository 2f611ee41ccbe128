import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, headerMap, readRawBody, toGatewayError, type Principal } from '@switchyard/core';
import { mcpPolicyAllows, principalOf } from '@switchyard/auth-key';
import { createMcpMetrics } from './metrics.js';
import { resolveOptions, type McpOptions, type ResolvedOptions } from './options.js';
import { buildProfiles, profileView, type ProfileRuntime, type ProfileView } from './profile-runtime.js';
import { ProfileSession } from './profile-server.js';
import { ToolCalls } from './tool-calls.js';
import { probeMember } from './upstream.js';

/** Who is calling, and the encrypted BYOK credentials its key holds (none for the app's own auth). */
interface Caller {
  principal: Principal;
  credentials: ReadonlyMap<string, string>;
}

/** One open client session. */
interface OpenSession {
  readonly id: string;
  readonly profile: ProfileRuntime;
  principal: Principal;
  credentials: ReadonlyMap<string, string>;
  lastSeenAt: number;
  readonly transport: StreamableHTTPServerTransport;
  readonly session: ProfileSession;
  closed: boolean;
}

/** The MCP profiles of an app: an HTTP handler per profile, their health, and a lifecycle. */
export interface McpProfiles {
  /**
   * Serve one request to `/…/<profile>` (POST, GET for the notification stream, DELETE to end a
   * session). `body` is the already parsed JSON body when a body parser ran; otherwise the
   * request is read here.
   */
  handle(req: IncomingMessage, res: ServerResponse, profile: string, body?: unknown): Promise<void>;
  /** Every profile with its members' health. */
  list(): ProfileView[];
  /** One profile, or undefined. */
  get(name: string): ProfileView | undefined;
  /**
   * Contact every member of a profile now (connect, initialise, list tools, disconnect) and
   * return the refreshed view; undefined for an unknown profile.
   */
  probe(name: string): Promise<ProfileView | undefined>;
  /** Open sessions, all profiles. */
  readonly sessionCount: number;
  /** Close every session (and its upstream sessions) and stop the idle sweeper. */
  close(): Promise<void>;
}

/** A JSON-RPC error answered over plain HTTP (before any MCP session exists). */
function answer(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function fail(res: ServerResponse, err: unknown): void {
  const error = toGatewayError(err);
  const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Bearer realm="switchyard-mcp"' } : {};
  answer(res, error.status, error.status === 400 ? -32700 : -32000, error.expose ? error.message : 'Internal error', headers);
}

async function authenticate(o: ResolvedOptions, req: IncomingMessage): Promise<Caller> {
  const headers = headerMap(req.headers);
  if ('keys' in o.auth) {
    const { record, credentials } = await o.auth.keys.authenticate(headers);
    return { principal: principalOf(record), credentials };
  }
  const principal = await o.auth.resolve(headers);
  if (!principal) throw new GatewayError('Invalid or missing credentials', { status: 401, code: 'invalid_api_key' });
  return { principal, credentials: new Map() };
}

/** Decrypt a caller's BYOK credential; a credential that cannot be decrypted is treated as absent (and logged). */
function decrypter(o: ResolvedOptions, open: { principal: Principal; credentials: ReadonlyMap<string, string> }) {
  return (name: string): string | undefined => {
    const ciphertext = open.credentials.get(name);
    const cipher = 'keys' in o.auth ? o.auth.keys.cipher : undefined;
    if (ciphertext === undefined || !cipher) return undefined;
    try {
      return cipher.decrypt(ciphertext, open.principal.id);
    } catch {
      o.logger.warn(
        { key: open.principal.id, credential: name },
        'A BYOK credential cannot be decrypted (master key missing or changed); using the configured headers',
      );
      return undefined;
    }
  };
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readRawBody(req, limit);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GatewayError('Request body is not valid JSON', { status: 400, code: 'invalid_json' });
  }
}

/**
 * Build the MCP profiles: each profile bundles several MCP servers (Streamable HTTP, SSE, or
 * stdio when allowed) and serves them as one MCP server over Streamable HTTP. Every request
 * needs a Switchyard key (or the app's principal) whose policy allows the profile; a revoked
 * key's sessions are closed.
 *
 * @example
 * const mcp = mcpProfiles({ profiles: [{ name: 'dev', members: [{ name: 'docs', transport: 'streamable-http', url: 'http://127.0.0.1:9000/mcp' }] }], auth: { keys }, events });
 * app.use(mcpKoa(mcp)); // '@switchyard/mcp/koa': serves /mcp/dev
 */
export function mcpProfiles(options: McpOptions): McpProfiles {
  const o = resolveOptions(options);
  const metrics = o.registry ? createMcpMetrics(o.registry) : undefined;
  const profiles = buildProfiles(o, metrics);
  const calls = new ToolCalls(o, metrics);
  const sessions = new Map<string, OpenSession>();
  let closing = false;

  const closeSession = async (open: OpenSession, reason: string): Promise<void> => {
    if (open.closed) return;
    open.closed = true;
    sessions.delete(open.id);
    open.profile.sessions--;
    metrics?.sessions.set({ profile: open.profile.name }, open.profile.sessions);
    o.logger.info({ profile: open.profile.name, session: open.id, key: open.principal.id, reason }, 'MCP session closed');
    await open.session.close();
  };

  const unsubscribe = o.events?.on('key.revoked', ({ keyId }) => {
    for (const open of sessions.values()) if (open.principal.kind === 'key' && open.principal.id === keyId) void closeSession(open, 'key_revoked');
  });

  const sweeper = setInterval(
    () => {
      const cutoff = o.now() - o.sessionIdleMs;
      for (const open of sessions.values()) if (open.lastSeenAt < cutoff) void closeSession(open, 'idle');
    },
    Math.min(60_000, Math.max(1000, o.sessionIdleMs / 2)),
  );
  sweeper.unref();

  async function open(profile: ProfileRuntime, caller: Caller, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (sessions.size >= o.maxSessions) return answer(res, 503, -32000, 'Too many open MCP sessions; try again later', { 'retry-after': '5' });
    const { principal } = caller;
    let entry: OpenSession | undefined;
    const session = new ProfileSession({
      profile,
      o,
      calls,
      principal: () => entry?.principal ?? principal,
      sessionId: () => entry?.id,
      credential: (name) => decrypter(o, entry ?? caller)(name),
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        entry = { id, profile, principal, credentials: caller.credentials, lastSeenAt: o.now(), transport, session, closed: false };
        sessions.set(id, entry);
        profile.sessions++;
        metrics?.sessions.set({ profile: profile.name }, profile.sessions);
        o.logger.info({ profile: profile.name, session: id, key: principal.id }, 'MCP session opened');
        session.connectAll();
      },
    });
    transport.onclose = () => {
      if (entry) void closeSession(entry, 'closed');
      else void session.close();
    };
    await session.server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  return {
    async handle(req, res, name, parsed) {
      try {
        const profile = profiles.get(name);
        if (!profile || closing) return answer(res, 404, -32000, `Unknown MCP profile "${name}"`);
        const caller = await authenticate(o, req);
        const { principal } = caller;
        if (!mcpPolicyAllows(principal, { profile: name })) return answer(res, 403, -32000, `This API key may not use MCP profile "${name}"`);
        const sessionId = req.headers['mcp-session-id'];
        if (typeof sessionId === 'string') {
          const existing = sessions.get(sessionId);
          // Another key's session is "not found" too: a session id is no credential.
          if (!existing || existing.profile !== profile || existing.principal.id !== principal.id) return answer(res, 404, -32001, 'Session not found');
          existing.principal = principal;
          existing.credentials = caller.credentials;
          existing.lastSeenAt = o.now();
          const body = req.method === 'POST' && parsed === undefined ? await readJson(req, o.bodyLimit) : parsed;
          return await existing.transport.handleRequest(req, res, body);
        }
        if (req.method !== 'POST') return answer(res, 400, -32000, 'Bad Request: no MCP session (send initialize first)');
        const body = parsed === undefined ? await readJson(req, o.bodyLimit) : parsed;
        if (!isInitializeRequest(body)) return answer(res, 400, -32000, 'Bad Request: no MCP session (send initialize first)');
        await open(profile, caller, req, res, body);
      } catch (err) {
        if (!res.headersSent) fail(res, err);
        else res.end();
      }
    },
    list: () => [...profiles.values()].map(profileView),
    get(name) {
      const profile = profiles.get(name);
      return profile ? profileView(profile) : undefined;
    },
    async probe(name) {
      const profile = profiles.get(name);
      if (!profile) return undefined;
      await Promise.all([...profile.members.values()].map((member) => probeMember(member, o).catch(() => {})));
      return profileView(profile);
    },
    get sessionCount() {
      return sessions.size;
    },
    async close() {
      closing = true;
      clearInterval(sweeper);
      unsubscribe?.();
      await Promise.all([...sessions.values()].map((s) => closeSession(s, 'shutdown')));
    },
  };
}
