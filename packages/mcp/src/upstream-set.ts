import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ResolvedOptions } from './options.js';
import type { MemberRuntime } from './profile-runtime.js';
import { closeMember, connectMember, isAuthRefusal } from './upstream.js';

/**
 * The upstream sessions behind one client session: one MCP client per member, connected on
 * first use (through the member's breaker) and closed with the session. A client whose
 * connection drops is forgotten, so the next use reconnects.
 */
export class UpstreamSet {
  readonly #clients = new Map<string, Promise<Client>>();
  #closed = false;

  constructor(
    private readonly o: ResolvedOptions,
    /** Wires a new client's notifications (list changes) to the client session. */
    private readonly onConnect: (member: MemberRuntime, client: Client) => void,
    /** The caller's own credential header for a member (BYOK), or undefined. */
    private readonly byokHeaders: (member: MemberRuntime) => Record<string, string> | undefined = () => undefined,
  ) {}

  /** The member's connected client; rejects when it cannot be reached (or its breaker is open). */
  client(member: MemberRuntime): Promise<Client> {
    if (this.#closed) return Promise.reject(new Error('session closed'));
    const name = member.config.name;
    let pending = this.#clients.get(name);
    if (pending) return pending;
    const own = this.byokHeaders(member);
    // A member refusing the caller's own credential is the caller's problem, not the member's.
    pending = member.health.execute(() => connectMember(member.config, this.o.serverInfo, this.o.connectTimeoutMs, own), undefined, this.callersFault(member));
    this.#clients.set(name, pending);
    pending.then(
      (client) => {
        if (this.#closed) return void closeMember(client);
        client.onclose = () => {
          if (this.#clients.get(name) === pending) this.#clients.delete(name);
        };
        this.onConnect(member, client);
      },
      () => {
        if (this.#clients.get(name) === pending) this.#clients.delete(name);
      },
    );
    return pending;
  }

  /** What a failure of this member's calls may be the caller's own fault for: a refused BYOK credential. */
  callersFault(member: MemberRuntime): ((err: unknown) => boolean) | undefined {
    return this.byokHeaders(member) ? isAuthRefusal : undefined;
  }

  /** End every upstream session. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(pending.map((p) => p.then(closeMember, () => {})));
  }
}
