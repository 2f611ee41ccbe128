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
  timeout_ms?: number;
}

/** The validated `mcp:` block, as convict returns it. */
export interface McpConfig {
  enabled: boolean;
  path: string;
  allow_stdio: boolean;
  prefix_names: boolean;
  separator: string;
  call_timeout_ms: number;
  connect_timeout_ms: number;
  session_idle_timeout_ms: number;
  max_sessions: number;
  capture_bodies: boolean;
  breaker: { failure_threshold: number; cool_down_ms: number };
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
        if (member.args !== undefined && (!Array.isArray(member.args) || member.args.some((a) => typeof a !== 'string'))) fail(`${at}.args`, 'must be a list of strings');
        checkStringMap(`${at}.env`, member.env);
      } else if (member.transport === 'streamable-http' || member.transport === 'sse') {
        if (typeof member.url !== 'string' || !/^https?:\/\//.test(member.url)) fail(`${at}.url`, 'must be an http(s) URL');
        checkStringMap(`${at}.headers`, member.headers);
      } else fail(`${at}.transport`, 'must be streamable-http, sse or stdio');
      if (member.timeout_ms !== undefined && (typeof member.timeout_ms !== 'number' || !(member.timeout_ms > 0))) fail(`${at}.timeout_ms`, 'must be a positive number of ms');
    });
  }
}

/**
 * Check the loaded block beyond what convict checks: the shape of `profiles`, and stdio members
 * only when `allow_stdio` is on. The message starts with the path of the bad field.
 * @example checkMcpConfig(config.get('mcp'));
 */
export function checkMcpConfig(config: McpConfig, base = 'mcp'): void {
  validateMcpProfiles(config.profiles, `${base}.profiles`);
  if (config.allow_stdio) return;
  for (const [name, profile] of Object.entries(config.profiles)) {
    profile.members.forEach((m, i) => {
      if (m.transport === 'stdio') fail(`${base}.profiles.${name}.members[${i}].transport`, `stdio members run local commands; set ${base}.allow_stdio: true to allow them`);
    });
  }
}

const nat = (doc: string, def: number, env: string) => ({ doc, format: 'nat', default: def, env });

/** Options of {@link mcpConfigSchema}. */
export interface McpConfigSchemaOptions {
  /** The convict format of the switches, e.g. a strict boolean format the app registered. Defaults to `Boolean`. */
  booleanFormat?: unknown;
}

/**
 * The convict schema fragment of the `mcp:` block (snake_case, as in the config file). Every
 * scalar has an environment variable named `<envPrefix><KEY>`; profiles come from the file.
 * Run {@link checkMcpConfig} on the loaded block.
 *
 * @example const config = convict({ mcp: mcpConfigSchema('SWITCHYARD_MCP_') });
 */
export function mcpConfigSchema(envPrefix = 'MCP_', options: McpConfigSchemaOptions = {}) {
  const bool = options.booleanFormat ?? Boolean;
  return {
    enabled: { doc: 'Serve the MCP profiles.', format: bool, default: false, env: `${envPrefix}ENABLED` },
    path: {
      doc: 'Path prefix of the profiles: <path>/<profile>.',
      format: (v: unknown) => {
        if (typeof v !== 'string' || !/^\/[^?#\s]*[^/?#\s]$/.test(v)) throw new Error('must be a path like /mcp (leading slash, no trailing slash)');
      },
      default: '/mcp',
      env: `${envPrefix}PATH`,
    },
    allow_stdio: { doc: 'Allow members that run a local command (stdio transport).', format: bool, default: false, env: `${envPrefix}ALLOW_STDIO` },
    prefix_names: { doc: 'Prefix tool, prompt and resource names with the member name.', format: bool, default: true, env: `${envPrefix}PREFIX_NAMES` },
    separator: { doc: 'Between the member name and the upstream name.', format: String, default: '__', env: `${envPrefix}SEPARATOR` },
    call_timeout_ms: nat('Deadline of one upstream call, ms (reset by progress).', 60_000, `${envPrefix}CALL_TIMEOUT_MS`),
    connect_timeout_ms: nat('Deadline to connect and initialise one member, ms.', 10_000, `${envPrefix}CONNECT_TIMEOUT_MS`),
    session_idle_timeout_ms: nat('A session idle this long is closed, ms.', 1_800_000, `${envPrefix}SESSION_IDLE_TIMEOUT_MS`),
    max_sessions: nat('Most open sessions per process.', 1000, `${envPrefix}MAX_SESSIONS`),
    capture_bodies: { doc: 'Log tool arguments and results (truncated).', format: bool, default: false, env: `${envPrefix}CAPTURE_BODIES` },
    breaker: {
      failure_threshold: nat('Consecutive failures that take a member out.', 5, `${envPrefix}BREAKER_FAILURE_THRESHOLD`),
      cool_down_ms: nat('How long a member stays out before a probe, ms.', 30_000, `${envPrefix}BREAKER_COOL_DOWN_MS`),
    },
    profiles: {
      doc: 'Profiles: name -> { description, members: [{ name, transport, url, headers | command, args, env, cwd, timeout_ms }] }.',
      // convict keeps a map as one value only with the Object format; checkMcpConfig checks its shape.
      format: Object,
      default: {},
    },
  };
}

function memberOf(entry: McpMemberConfig): McpMember {
  const timeout = entry.timeout_ms !== undefined ? { timeoutMs: entry.timeout_ms } : {};
  if (entry.transport === 'stdio') {
    return { name: entry.name, transport: 'stdio', command: entry.command!, ...(entry.args ? { args: entry.args } : {}), ...(entry.env ? { env: entry.env } : {}), ...(entry.cwd ? { cwd: entry.cwd } : {}), ...timeout };
  }
  return { name: entry.name, transport: entry.transport, url: entry.url!, ...(entry.headers ? { headers: entry.headers } : {}), ...timeout };
}

/**
 * Turn the `mcp:` block into {@link mcpProfiles} options (add `auth`, and the limiter, events,
 * registry and logger the app already has).
 * @example mcpProfiles({ ...mcpOptionsFromConfig(config.get('mcp')), auth: { keys }, events });
 */
export function mcpOptionsFromConfig(config: McpConfig): Omit<McpOptions, 'auth'> {
  const profiles: McpProfile[] = Object.entries(config.profiles).map(([name, p]) => ({ name, ...(p.description ? { description: p.description } : {}), members: p.members.map(memberOf) }));
  return {
    profiles,
    allowStdio: config.allow_stdio,
    prefixNames: config.prefix_names,
    separator: config.separator,
    callTimeoutMs: config.call_timeout_ms,
    connectTimeoutMs: config.connect_timeout_ms,
    sessionIdleMs: config.session_idle_timeout_ms,
    maxSessions: config.max_sessions,
    captureBodies: config.capture_bodies,
    breakerFailures: config.breaker.failure_threshold,
    breakerCoolDownMs: config.breaker.cool_down_ms,
  };
}
