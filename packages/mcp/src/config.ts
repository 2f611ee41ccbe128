import { parseDuration } from '@switchyard/core';
import type { McpMember, McpOptions, McpProfile } from './options.js';

/** One `mcp.profiles.<name>.members[]` entry as written in the config file. */
export interface McpMemberConfig {
  name: string;
  transport: 'streamable-http' | 'sse' | 'stdio';
  url?: string;
  headers?: Record<string, string>;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Per-call deadline of this member: `20s`, or ms. */
  timeout?: string | number;
  /** The caller's own credential instead of the configured header: `{ credential, header?, scheme? }`. */
  byok?: { credential: string; header?: string; scheme?: string };
}

/** The validated `mcp:` block, as convict returns it (durations as written: `30s` or ms). */
export interface McpConfig {
  enabled: boolean;
  path: string;
  allow_stdio: boolean;
  prefix_names: boolean;
  separator: string;
  call_timeout: string | number;
  connect_timeout: string | number;
  session_idle_timeout: string | number;
  max_sessions: number;
  capture_bodies: boolean;
  breaker: { failure_threshold: number; cool_down: string | number };
  profiles: Record<string, { description?: string; members: McpMemberConfig[] }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (path: string, message: string): never => {
  throw new Error(`${path}: ${message}`);
};

function checkStringMap(path: string, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) fail(path, 'must be a map of strings');
  for (const [k, v] of Object.entries(value as object)) if (typeof v !== 'string') fail(`${path}.${k}`, 'must be a string');
}

/** Check `mcp.profiles`; every message starts with the path of the bad field. */
export function validateMcpProfiles(value: unknown, base = 'mcp.profiles'): void {
  if (!isObject(value)) fail(base, 'must map profile names to { members: [...] }');
  for (const [name, profile] of Object.entries(value as Record<string, unknown>)) {
    const p = `${base}.${name}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) fail(p, 'profile names are letters, digits, ".", "_" or "-"');
    if (!isObject(profile)) fail(p, 'must be an object');
    const { description, members } = profile as Record<string, unknown>;
    if (description !== undefined && typeof description !== 'string') fail(`${p}.description`, 'must be a string');
    if (!Array.isArray(members) || members.length === 0) fail(`${p}.members`, 'must be a non-empty list');
    (members as unknown[]).forEach((m, i) => {
      const at = `${p}.members[${i}]`;
      if (!isObject(m)) fail(at, 'must be an object');
      const member = m as Record<string, unknown>;
      if (typeof member.name !== 'string' || member.name === '') fail(`${at}.name`, 'is required');
      if (member.transport === 'stdio') {
        if (typeof member.command !== 'string' || member.command === '') fail(`${at}.command`, 'is required for a stdio member');
        if (member.args !== undefined && (!Array.isArray(member.args) || member.args.some((a) => typeof a !== 'string')))
          fail(`${at}.args`, 'must be a list of strings');
        checkStringMap(`${at}.env`, member.env);
      } else if (member.transport === 'streamable-http' || member.transport === 'sse') {
        if (typeof member.url !== 'string' || !/^https?:\/\//.test(member.url)) fail(`${at}.url`, 'must be an http(s) URL');
        checkStringMap(`${at}.headers`, member.headers);
        if (member.byok !== undefined) {
          const byok = member.byok as Record<string, unknown>;
          if (!isObject(byok) || typeof byok.credential !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(byok.credential))
            fail(`${at}.byok.credential`, 'must be a credential name ([A-Za-z0-9._-])');
          for (const k of ['header', 'scheme']) if (byok[k] !== undefined && typeof byok[k] !== 'string') fail(`${at}.byok.${k}`, 'must be a string');
        }
      } else fail(`${at}.transport`, 'must be streamable-http, sse or stdio');
      if (member.timeout !== undefined) parseDuration(member.timeout, { path: `${at}.timeout`, min: 1 });
    });
  }
}

/**
 * Check the loaded block beyond what convict checks: deadlines longer than 0, the shape of
 * `profiles`, and stdio members only when `allow_stdio` is on. The message starts with the path of the bad field.
 * @example checkMcpConfig(config.get('mcp'));
 */
export function checkMcpConfig(config: McpConfig, base = 'mcp'): void {
  for (const [key, value] of [
    ['call_timeout', config.call_timeout],
    ['connect_timeout', config.connect_timeout],
    ['session_idle_timeout', config.session_idle_timeout],
    ['breaker.cool_down', config.breaker.cool_down],
  ] as const) {
    parseDuration(value, { path: `${base}.${key}`, min: 1 });
  }
  validateMcpProfiles(config.profiles, `${base}.profiles`);
  if (config.allow_stdio) return;
  for (const [name, profile] of Object.entries(config.profiles)) {
    profile.members.forEach((m, i) => {
      if (m.transport === 'stdio')
        fail(`${base}.profiles.${name}.members[${i}].transport`, `stdio members run local commands; set ${base}.allow_stdio: true to allow them`);
    });
  }
}

/** The path of a `mcp.path` value: leading slash, no trailing slash. */
function checkPath(v: unknown): void {
  if (typeof v !== 'string' || !/^\/[^?#\s]*[^/?#\s]$/.test(v)) throw new Error('must be a path like /mcp (leading slash, no trailing slash)');
}

/**
 * The convict schema fragment of the `mcp:` block (snake_case, as in the config file; one
 * environment variable per scalar, `<prefix>_…`). Uses core's named formats (`switch`,
 * `sy-duration`, `object`): call core's `registerConfigFormats(convict)` once before loading, as
 * the gateway does. Run {@link checkMcpConfig} on the loaded block.
 *
 * @example registerConfigFormats(convict); const config = convict({ mcp: mcpConfigSchema('SWITCHYARD_MCP') });
 */
export function mcpConfigSchema(prefix = 'SWITCHYARD_MCP') {
  const on = (doc: string, def: boolean, name: string) => ({ doc, format: 'switch', default: def, env: `${prefix}_${name}` });
  const duration = (doc: string, def: string, name: string) => ({ doc, format: 'sy-duration', default: def, env: `${prefix}_${name}` });
  return {
    enabled: on('Serve the MCP profiles.', false, 'ENABLED'),
    path: { doc: 'Path prefix of the profiles: <path>/<profile>.', format: checkPath, default: '/mcp', env: `${prefix}_PATH` },
    allow_stdio: on('Allow members that run a local command (stdio transport).', false, 'ALLOW_STDIO'),
    prefix_names: on('Prefix tool, prompt and resource names with the member name.', true, 'PREFIX_NAMES'),
    separator: { doc: 'Between the member name and the upstream name.', format: String, default: '__', env: `${prefix}_SEPARATOR` },
    call_timeout: duration('Deadline of one upstream call (reset by progress).', '60s', 'CALL_TIMEOUT'),
    connect_timeout: duration('Deadline to connect and initialise one member.', '10s', 'CONNECT_TIMEOUT'),
    session_idle_timeout: duration('A session idle this long is closed.', '30m', 'SESSION_IDLE_TIMEOUT'),
    max_sessions: { doc: 'Most open sessions per process.', format: 'nat', default: 1000, env: `${prefix}_MAX_SESSIONS` },
    capture_bodies: on('Log tool arguments and results (truncated).', false, 'CAPTURE_BODIES'),
    breaker: {
      failure_threshold: { doc: 'Consecutive failures that take a member out.', format: 'nat', default: 5, env: `${prefix}_BREAKER_FAILURE_THRESHOLD` },
      cool_down: duration('How long a member stays out before one probe.', '30s', 'BREAKER_COOL_DOWN'),
    },
    // convict takes a nested mapping as one value only under the format named 'object';
    // checkMcpConfig checks its shape.
    profiles: {
      doc: 'Profiles: name -> { description, members: [{ name, transport, url, headers | command, args, env, cwd; timeout }] }.',
      format: 'object',
      default: {},
    },
  } as const;
}

function memberOf(entry: McpMemberConfig): McpMember {
  const timeout = entry.timeout !== undefined ? { timeoutMs: parseDuration(entry.timeout, { min: 1 }) } : {};
  if (entry.transport === 'stdio') {
    return {
      name: entry.name,
      transport: 'stdio',
      command: entry.command!,
      ...(entry.args ? { args: entry.args } : {}),
      ...(entry.env ? { env: entry.env } : {}),
      ...(entry.cwd ? { cwd: entry.cwd } : {}),
      ...timeout,
    };
  }
  return {
    name: entry.name,
    transport: entry.transport,
    url: entry.url!,
    ...(entry.headers ? { headers: entry.headers } : {}),
    ...(entry.byok ? { byok: entry.byok } : {}),
    ...timeout,
  };
}

/**
 * Turn the `mcp:` block into {@link mcpProfiles} options (add `auth`, and the limiter, events,
 * registry and logger the app already has).
 * @example mcpProfiles({ ...mcpOptionsFromConfig(config.get('mcp')), auth: { keys }, events });
 */
export function mcpOptionsFromConfig(config: McpConfig): Omit<McpOptions, 'auth'> {
  const profiles: McpProfile[] = Object.entries(config.profiles).map(([name, p]) => ({
    name,
    ...(p.description ? { description: p.description } : {}),
    members: p.members.map(memberOf),
  }));
  return {
    profiles,
    allowStdio: config.allow_stdio,
    prefixNames: config.prefix_names,
    separator: config.separator,
    callTimeoutMs: parseDuration(config.call_timeout, { path: 'mcp.call_timeout', min: 1 }),
    connectTimeoutMs: parseDuration(config.connect_timeout, { path: 'mcp.connect_timeout', min: 1 }),
    sessionIdleMs: parseDuration(config.session_idle_timeout, { path: 'mcp.session_idle_timeout', min: 1 }),
    maxSessions: config.max_sessions,
    captureBodies: config.capture_bodies,
    breakerFailures: config.breaker.failure_threshold,
    breakerCoolDownMs: parseDuration(config.breaker.cool_down, { path: 'mcp.breaker.cool_down', min: 1 }),
  };
}
