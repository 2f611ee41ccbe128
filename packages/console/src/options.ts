import { memorySessionStore, type ConsolePrincipal, type ConsoleSessionStore } from './session-store.js';

/**
 * Options of the console. Give `adminToken` (sign-in with the admin token, exchanged for a
 * session cookie), `authorize` (the host app's own login decides), or both.
 */
export interface ConsoleOptions<Req = unknown> {
  /**
   * The admin token a user types on the sign-in page. Compared in constant time and exchanged
   * for an HttpOnly, SameSite=Strict session cookie. Defaults to none (token sign-in is off).
   */
  adminToken?: string;
  /**
   * The host app's own auth: return who is signed in, or null to refuse. Receives the
   * framework's request (Koa `ctx`, Express `req`). When it returns a principal the sign-in
   * page is skipped. Defaults to none.
   */
  authorize?: (req: Req) => ConsolePrincipal | null | undefined | Promise<ConsolePrincipal | null | undefined>;
  /** How long a token sign-in lasts, in ms. Defaults to 8 hours. */
  sessionTtlMs?: number;
  /** Where sessions live. Defaults to an in-memory store (one instance). */
  sessions?: ConsoleSessionStore;
  /**
   * Mark the session cookie `Secure`. Defaults to "when the request arrived over TLS" (Koa's
   * `ctx.secure`, Express's `req.secure`; behind a TLS-terminating proxy enable the
   * framework's proxy trust so `X-Forwarded-Proto` counts).
   */
  secureCookie?: boolean;
  /**
   * The client API's base path or URL shown on the dashboard and used by the playground
   * (`/v1` on the same origin for the standalone gateway). Defaults to '/v1'.
   */
  apiBase?: string;
  /** Failed token sign-ins allowed per client address in 15 minutes before sign-in answers 429. Defaults to 10. */
  signInFailures?: number;
  /** Cookie name. Defaults to 'switchyard_console'. */
  cookieName?: string;
  /** Directory of the built UI (index.html and assets). Defaults to the bundle shipped in this package. */
  assetsDir?: string;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** @internal */
export interface ResolvedConsoleOptions<Req> {
  adminToken?: string;
  authorize?: ConsoleOptions<Req>['authorize'];
  sessionTtlMs: number;
  sessions: ConsoleSessionStore;
  secureCookie?: boolean;
  apiBase: string;
  signInFailures: number;
  cookieName: string;
  assetsDir: string;
  now: () => number;
}

/** @internal Validate once at start-up; a bad option is a TypeError naming it. */
export function resolveOptions<Req>(options: ConsoleOptions<Req>): ResolvedConsoleOptions<Req> {
  if (!options || typeof options !== 'object') throw new TypeError('console: options are required');
  const { adminToken, authorize } = options;
  if (adminToken !== undefined && (typeof adminToken !== 'string' || adminToken.length === 0)) {
    throw new TypeError('console: adminToken must be a non-empty string');
  }
  if (authorize !== undefined && typeof authorize !== 'function') throw new TypeError('console: authorize must be a function');
  if (!adminToken && !authorize) throw new TypeError('console: give adminToken, authorize, or both (nobody could sign in)');
  const sessionTtlMs = options.sessionTtlMs ?? 8 * 3600_000;
  if (!Number.isFinite(sessionTtlMs) || sessionTtlMs <= 0) throw new TypeError('console: sessionTtlMs must be a positive number');
  const signInFailures = options.signInFailures ?? 10;
  if (!Number.isInteger(signInFailures) || signInFailures < 1) throw new TypeError('console: signInFailures must be a positive integer');
  const cookieName = options.cookieName ?? 'switchyard_console';
  if (!/^[A-Za-z0-9_-]+$/.test(cookieName)) throw new TypeError('console: cookieName must be [A-Za-z0-9_-]+');
  const now = options.now ?? Date.now;
  return {
    adminToken,
    authorize,
    sessionTtlMs,
    sessions: options.sessions ?? memorySessionStore({ now }),
    secureCookie: options.secureCookie,
    apiBase: options.apiBase ?? '/v1',
    signInFailures,
    cookieName,
    assetsDir: options.assetsDir ?? new URL('./ui/', import.meta.url).pathname,
    now,
  };
}
