import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { MemberRuntime } from './profile-runtime.js';
import type { UpstreamSet } from './upstream-set.js';

/** `_meta` key of a listing result naming the members left out of it (down, or failed to answer). */
export const UNAVAILABLE_META_KEY = 'switchyard/unavailable_members';

/** Most pages read from one member for one listing (a guard against a cursor loop). */
const MAX_PAGES = 50;

/** The server capability a listing needs. */
export type ListKind = 'tools' | 'prompts' | 'resources';

/** One listing method of the SDK client (`listTools`, …), called with a cursor and the call options. */
export type Lister = (client: Client, params: { cursor?: string }, options: RequestOptions) => Promise<{ nextCursor?: string }>;

/** The SDK call options of one upstream call: the member's deadline and the caller's signal. */
export function callOptions(member: MemberRuntime, signal: AbortSignal | undefined): RequestOptions {
  return { timeout: member.timeoutMs, ...(signal ? { signal } : {}) };
}

/** Run `fn` against a member's client (connected on first use) through the member's breaker. */
export async function onMember<T>(
  upstreams: UpstreamSet,
  member: MemberRuntime,
  fn: (client: Client, signal: AbortSignal | undefined) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const client = await upstreams.client(member);
  return member.health.execute(() => fn(client, signal), signal, upstreams.callersFault(member));
}

/**
 * Every page of one listing from every available member, in member order. Members that are down
 * (breaker open) or fail are named in `unavailable`, reported to `onLeftOut`, and left out; a
 * member without the capability contributes nothing.
 */
export async function gather<T>(
  members: Iterable<MemberRuntime>,
  upstreams: UpstreamSet,
  what: { kind: ListKind; field: string; list: Lister; signal: AbortSignal },
  onLeftOut: (member: string, err: unknown) => void,
): Promise<{ perMember: [string, T[]][]; unavailable: string[] }> {
  const { kind, field, list, signal } = what;
  const unavailable: string[] = [];
  const readAll = async (client: Client, member: MemberRuntime): Promise<T[]> => {
    if (!client.getServerCapabilities()?.[kind]) return [];
    const all: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await list(client, cursor ? { cursor } : {}, callOptions(member, signal));
      all.push(...((answer as Record<string, unknown>)[field] as T[]));
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return all;
  };
  const results = await Promise.all(
    [...members].map(async (member): Promise<[string, T[]] | undefined> => {
      const name = member.config.name;
      if (!member.health.available) {
        unavailable.push(name);
        return undefined;
      }
      try {
        return [name, await onMember(upstreams, member, (client) => readAll(client, member), signal)];
      } catch (err) {
        if (signal.aborted) throw err;
        unavailable.push(name);
        onLeftOut(name, err);
        return undefined;
      }
    }),
  );
  return { perMember: results.filter((r): r is [string, T[]] => r !== undefined), unavailable };
}

/** The `_meta` of a listing result: the members left out, when any. */
export function unavailableMeta(unavailable: string[]): { _meta?: Record<string, unknown> } {
  return unavailable.length > 0 ? { _meta: { [UNAVAILABLE_META_KEY]: unavailable.sort() } } : {};
}
