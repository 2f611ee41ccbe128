import type { ResolvedOptions, McpMember, McpProfile } from './options.js';
import { MemberHealth, type MemberHealthView } from './member-health.js';
import type { McpMetrics } from './metrics.js';

/** One member of a profile with its shared health. */
export interface MemberRuntime {
  readonly config: McpMember;
  readonly health: MemberHealth;
  /** Per-call deadline in ms. */
  readonly timeoutMs: number;
}

/** A profile as served: its members (in config order) and how many sessions are open. */
export interface ProfileRuntime {
  readonly name: string;
  readonly description?: string;
  readonly members: ReadonlyMap<string, MemberRuntime>;
  readonly memberNames: ReadonlySet<string>;
  sessions: number;
  /** Called when a member that was up goes down or back (its items leave or join every listing); returns an unsubscribe. */
  onMemberChange(listener: (member: string, up: boolean) => void): () => void;
}

/** A member as the admin API shows it: where it is (never its headers or env) and its health. */
export interface MemberView extends MemberHealthView {
  name: string;
  transport: McpMember['transport'];
  /** Origin and path of a remote member (no query, no credentials); the command of a stdio one. */
  target: string;
}

/** A profile as the admin API shows it. */
export interface ProfileView {
  name: string;
  description?: string;
  sessions: number;
  members: MemberView[];
}

function targetOf(member: McpMember): string {
  if (member.transport === 'stdio') return member.command;
  const url = new URL(member.url);
  return `${url.origin}${url.pathname}`;
}

/** Build the shared runtime of every profile: one breaker per member, reporting to the metrics. */
export function buildProfiles(o: ResolvedOptions, metrics: McpMetrics | undefined): Map<string, ProfileRuntime> {
  const out = new Map<string, ProfileRuntime>();
  for (const profile of o.profiles.values()) out.set(profile.name, buildProfile(profile, o, metrics));
  return out;
}

function buildProfile(profile: McpProfile, o: ResolvedOptions, metrics: McpMetrics | undefined): ProfileRuntime {
  const members = new Map<string, MemberRuntime>();
  const listeners = new Set<(member: string, up: boolean) => void>();
  for (const config of profile.members) {
    const health = new MemberHealth({ failures: o.breakerFailures, coolDownMs: o.breakerCoolDownMs }, o.now, (up, previous) => {
      metrics?.memberUp.set({ profile: profile.name, member: config.name }, up ? 1 : 0);
      const log = { profile: profile.name, member: config.name, ...(up ? {} : { error: health.view().lastError }) };
      if (up) o.logger.info(log, 'MCP member up');
      else o.logger.warn(log, 'MCP member down');
      // First contact changes nothing a client has seen; a later change moves items in or out.
      if (previous !== 'unknown') for (const listener of listeners) listener(config.name, up);
    });
    members.set(config.name, { config, health, timeoutMs: config.timeoutMs ?? o.callTimeoutMs });
  }
  return {
    name: profile.name,
    ...(profile.description ? { description: profile.description } : {}),
    members,
    memberNames: new Set(members.keys()),
    sessions: 0,
    onMemberChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** The admin view of a profile. */
export function profileView(profile: ProfileRuntime): ProfileView {
  return {
    name: profile.name,
    ...(profile.description ? { description: profile.description } : {}),
    sessions: profile.sessions,
    members: [...profile.members.values()].map((m) => ({ name: m.config.name, transport: m.config.transport, target: targetOf(m.config), ...m.health.view() })),
  };
}
