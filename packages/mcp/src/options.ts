import type { EventBus, HeaderMap, KeyLimits, Logger, Principal } from '@switchyard/core';
import { silentLogger } from '@switchyard/core';
import type { KeyManager } from '@switchyard/auth-key';
import type { RateLimiter } from '@switchyard/rate-limit';
import type { Registry } from 'prom-client';
import type { ToolCallRecord } from './tool-call-log.js';

/** An upstream MCP server reached over the network: Streamable HTTP (current spec) or the older HTTP+SSE transport. */
export interface McpRemoteMember {
  /** Member name: the prefix of its tools, prompts and resources. Letters, digits, `.`, `_`, `-`. */
  name: string;
  transport: 'streamable-http' | 'sse';
  /** The server's endpoint (`…/mcp` for Streamable HTTP, `…/sse` for SSE). */
  url: string;
  /** Headers sent upstream (credentials: `Authorization: Bearer ${TOKEN}` in the config). Never logged. Defaults to none. */
  headers?: Record<string, string>;
  /** Per-call timeout for this member, in ms. Defaults to the profile's `callTimeoutMs`. */
  timeoutMs?: number;
  /**
   * Bring your own key: when the caller's Switchyard key holds a BYOK credential named
   * `credential` (`PUT /admin/keys/:id/credentials/<credential>`), its upstream sessions send it
   * in `header` (with `scheme` in front) instead of the configured value. Keys without one use
   * `headers`. Defaults to none.
   */
  byok?: McpByok;
}

/** Where a member takes the caller's own credential from, and how it sends it. */
export interface McpByok {
  /** Name of the key's BYOK credential (letters, digits, `.`, `_`, `-`). */
  credential: string;
  /** Header it goes in. Defaults to `authorization`. */
  header?: string;
  /** Put in front of the secret. Defaults to `Bearer` for `authorization`, none otherwise. */
  scheme?: string;
}

/** A local MCP server started as a child process speaking stdio; only when `allowStdio` is on. */
export interface McpStdioMember {
  name: string;
  transport: 'stdio';
  /** Executable to run (no shell). */
  command: string;
  /** Arguments. Defaults to none. */
  args?: string[];
  /** Extra environment variables (the SDK passes a safe subset of the gateway's own). Defaults to none. */
  env?: Record<string, string>;
  /** Working directory. Defaults to the gateway's. */
  cwd?: string;
  timeoutMs?: number;
}

/** One upstream MCP server of a profile. */
export type McpMember = McpRemoteMember | McpStdioMember;

/** A bundle of MCP servers exposed as one MCP server at `/mcp/<name>`. */
export interface McpProfile {
  /** Profile name, the last path segment of its URL. Letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Shown to clients as the server's instructions. Defaults to none. */
  description?: string;
  /** The upstream servers, at least one. */
  members: McpMember[];
}

/**
 * Who may open a session: Switchyard keys (the key manager), or the app's own auth (a resolver
 * of the request headers to a principal, undefined for "not signed in").
 */
export type McpAuth = { keys: KeyManager } | { resolve: (headers: HeaderMap) => Principal | undefined | Promise<Principal | undefined> };

/** Options of {@link mcpProfiles}. */
export interface McpOptions {
  /** The profiles served. Required (may be empty). */
  profiles: McpProfile[];
  /** How callers authenticate. Required: MCP profiles are never anonymous. */
  auth: McpAuth;
  /** Event bus carrying `key.revoked` (the one given to the key manager): a revoked key's sessions are closed at once. Defaults to none (a revoked key is refused at its next request). */
  events?: EventBus;
  /** Start stdio members (local processes). Off, a profile naming one fails at start-up. Defaults to false. */
  allowStdio?: boolean;
  /** Put the member name in front of every tool / prompt / resource name. Defaults to true. */
  prefixNames?: boolean;
  /** Between the member name and the upstream name (`github__create_issue`). Defaults to `__`. */
  separator?: string;
  /** Deadline of one upstream call (reset by progress notifications), in ms. Defaults to 60000. */
  callTimeoutMs?: number;
  /** Deadline to connect and initialise one upstream member, in ms. Defaults to 10000. */
  connectTimeoutMs?: number;
  /** Consecutive failures that open a member's circuit breaker. Defaults to 5. */
  breakerFailures?: number;
  /** How long an open breaker keeps a member out before one probe is let through, in ms. Defaults to 30000. */
  breakerCoolDownMs?: number;
  /** A session with no request for this long is closed (upstream sessions too), in ms. Defaults to 1800000. */
  sessionIdleMs?: number;
  /** Most open sessions per process; more are refused with 503. Defaults to 1000. */
  maxSessions?: number;
  /** Largest accepted request body, in bytes. Defaults to 4194304. */
  bodyLimit?: number;
  /** Per-key limits on tool calls. Defaults to none (unlimited). */
  rateLimit?: {
    /** The shared limiter (`@switchyard/rate-limit`). Required. */
    limiter: RateLimiter;
    /** Limits for keys that set none (`requestsPerMinute`, `concurrentRequests` apply). Defaults to none. */
    defaultLimits?: KeyLimits;
    /** Counter key of a principal. Defaults to `k:<id>`, the same counter as its AI requests. */
    keyOf?: (principal: Principal) => string;
  };
  /** Put tool arguments and results into the tool-call log record. Defaults to false. */
  captureBodies?: boolean;
  /** Largest captured argument / result text, in characters. Defaults to 16384. */
  captureLimit?: number;
  /** Receives one record per tool call (write it to your log store). Defaults to none (the logger still gets it). */
  onToolCall?: (record: ToolCallRecord) => void;
  /** prom-client registry for `switchyard_mcp_*` metrics. Defaults to none (no metrics). */
  registry?: Registry;
  /** Structured logger; never receives a secret. Defaults to silent. */
  logger?: Logger;
  /** Name and version this gateway announces to upstream servers and clients. Defaults to `switchyard-mcp` `0.1.0`. */
  serverInfo?: { name: string; version: string };
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** @internal */
export type ResolvedOptions = ReturnType<typeof resolveOptions>;

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`mcp: ${name} must be a positive number`);
  return v;
}

function checkMember(profile: string, member: McpMember, allowStdio: boolean): void {
  const at = `mcp: profile "${profile}" member "${member?.name}"`;
  if (!member || typeof member.name !== 'string' || !NAME.test(member.name))
    throw new TypeError(`mcp: profile "${profile}": member name must be letters, digits, ".", "_" or "-"`);
  if (member.transport === 'stdio') {
    if (!allowStdio) throw new TypeError(`${at}: stdio members are off (set allow_stdio / allowStdio to run local commands)`);
    if (typeof member.command !== 'string' || member.command === '') throw new TypeError(`${at}: command is required`);
    return;
  }
  if (member.transport !== 'streamable-http' && member.transport !== 'sse') throw new TypeError(`${at}: transport must be streamable-http, sse or stdio`);
  let url: URL;
  try {
    url = new URL(member.url);
  } catch {
    throw new TypeError(`${at}: url is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${at}: url must be http(s)`);
  if (member.byok !== undefined && !(typeof member.byok?.credential === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(member.byok.credential))) {
    throw new TypeError(`${at}: byok.credential must be a credential name ([A-Za-z0-9._-])`);
  }
}

/** Validate eagerly and fill defaults. @internal */
export function resolveOptions(options: McpOptions) {
  if (!options || !Array.isArray(options.profiles)) throw new TypeError('mcp: options.profiles must be a list');
  const auth = options.auth;
  if (!auth || !(('keys' in auth && typeof auth.keys?.authenticate === 'function') || ('resolve' in auth && typeof auth.resolve === 'function'))) {
    throw new TypeError('mcp: options.auth must be { keys } or { resolve }');
  }
  const allowStdio = options.allowStdio ?? false;
  const profiles = new Map<string, McpProfile>();
  for (const profile of options.profiles) {
    if (!profile || typeof profile.name !== 'string' || !NAME.test(profile.name))
      throw new TypeError('mcp: profile name must be letters, digits, ".", "_" or "-"');
    if (profiles.has(profile.name)) throw new TypeError(`mcp: duplicate profile "${profile.name}"`);
    if (!Array.isArray(profile.members) || profile.members.length === 0) throw new TypeError(`mcp: profile "${profile.name}" needs at least one member`);
    const names = new Set<string>();
    for (const member of profile.members) {
      checkMember(profile.name, member, allowStdio);
      if (names.has(member.name)) throw new TypeError(`mcp: profile "${profile.name}": duplicate member "${member.name}"`);
      names.add(member.name);
    }
    profiles.set(profile.name, profile);
  }
  const separator = options.separator ?? '__';
  if (typeof separator !== 'string' || separator === '') throw new TypeError('mcp: separator must be a non-empty string');
  return {
    profiles,
    auth,
    events: options.events,
    prefixNames: options.prefixNames ?? true,
    separator,
    callTimeoutMs: positive('callTimeoutMs', options.callTimeoutMs, 60_000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    breakerFailures: positive('breakerFailures', options.breakerFailures, 5),
    breakerCoolDownMs: positive('breakerCoolDownMs', options.breakerCoolDownMs, 30_000),
    sessionIdleMs: positive('sessionIdleMs', options.sessionIdleMs, 1_800_000),
    maxSessions: positive('maxSessions', options.maxSessions, 1000),
    bodyLimit: positive('bodyLimit', options.bodyLimit, 4 * 1024 * 1024),
    rateLimit: options.rateLimit,
    captureBodies: options.captureBodies ?? false,
    captureLimit: positive('captureLimit', options.captureLimit, 16_384),
    onToolCall: options.onToolCall,
    registry: options.registry,
    logger: options.logger ?? silentLogger,
    serverInfo: options.serverInfo ?? { name: 'switchyard-mcp', version: '0.1.0' },
    now: options.now ?? Date.now,
  };
}
