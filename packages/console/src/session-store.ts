/** One signed-in console session. */
export interface ConsoleSession {
  /** Who signed in (for the admin token: `{ id: 'admin', name: 'Admin' }`). */
  principal: ConsolePrincipal;
  /** The anti-CSRF token every state-changing request must echo in `x-csrf-token`. */
  csrf: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

/** Who uses the console: the admin (token sign-in) or the host app's user (the `authorize` hook). */
export interface ConsolePrincipal {
  id: string;
  name: string;
}

/**
 * Where sessions live. The in-memory default suits one instance; behind a load balancer
 * without sticky sessions, give every instance the same shared store.
 */
export interface ConsoleSessionStore {
  get(id: string): Promise<ConsoleSession | undefined> | ConsoleSession | undefined;
  set(id: string, session: ConsoleSession): Promise<void> | void;
  delete(id: string): Promise<void> | void;
}

/**
 * Sessions in a Map, dropped when read after expiry and swept when the map grows.
 * @example createConsole({ adminToken, sessions: memorySessionStore({ now: Date.now }) })
 */
export function memorySessionStore(options: { now?: () => number; maxSessions?: number } = {}): ConsoleSessionStore {
  const now = options.now ?? Date.now;
  const max = options.maxSessions ?? 10_000;
  const sessions = new Map<string, ConsoleSession>();
  const sweep = () => {
    const t = now();
    for (const [id, s] of sessions) if (s.expiresAt <= t) sessions.delete(id);
    // Still full of live sessions: the oldest sign-ins go first (Map keeps insertion order).
    for (const id of sessions.keys()) {
      if (sessions.size < max) break;
      sessions.delete(id);
    }
  };
  return {
    get(id) {
      const session = sessions.get(id);
      if (session && session.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    set(id, session) {
      if (sessions.size >= max) sweep();
      sessions.set(id, session);
    },
    delete(id) {
      sessions.delete(id);
    },
  };
}
