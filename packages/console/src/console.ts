import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { loadAssets, SECURITY_HEADERS } from './assets.js';
import { readCookie, sessionCookie } from './cookies.js';
import { resolveOptions, type ConsoleOptions } from './options.js';
import { signInThrottle } from './sign-in-throttle.js';
import type { ConsolePrincipal } from './session-store.js';

/** A request as the console core sees it; the Koa and Express adapters build it. */
export interface ConsoleRequest<Req = unknown> {
  method: string;
  /** Path and query below the mount point, starting with '/' (`/api/admin/keys?limit=5`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Whether the request arrived over TLS (as the framework judges it, proxy trust included). */
  secure: boolean;
  /** The client address (as the framework judges it, proxy trust included), for sign-in throttling. */
  ip: string;
  /** Where the console is mounted (`/console`); the session cookie is scoped to it. */
  mountPath: string;
  /** The request body as text (only read for sign-in). */
  readBody(limit: number): Promise<string>;
  /** The framework's request, handed to the `authorize` hook. */
  raw: Req;
}

/** What the adapter does next: write a response, or pass the request on to the admin API. */
export type ConsoleResult =
  | { kind: 'respond'; status: number; headers: Record<string, string>; body: string | Buffer }
  | {
      kind: 'admin';
      /** The admin API path and query to dispatch (`/keys?limit=5`). */
      url: string;
      principal: ConsolePrincipal;
      /** Headers to add to whatever the admin API answers. */
      headers: Record<string, string>;
    };

/** The framework-neutral console: assets, sessions, CSRF, and the gate in front of the admin API. */
export interface Console<Req = unknown> {
  handle(request: ConsoleRequest<Req>): Promise<ConsoleResult>;
}

const ADMIN_PREFIX = '/api/admin/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ADMIN_PRINCIPAL: ConsolePrincipal = { id: 'admin', name: 'Admin' };
const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');
const digest = (s: string) => createHash('sha256').update(s).digest();
const equal = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
const header = (req: ConsoleRequest<unknown>, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): ConsoleResult {
  return {
    kind: 'respond',
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(status, { error: { message, type: status === 403 ? 'permission_error' : 'invalid_request_error', code } }, headers);

/**
 * The console core. Routes below the mount point:
 * - `GET /` and `GET /assets/*`: the UI (gzip when accepted; hashed assets cached for a year);
 * - `GET /api/session`: who is signed in, the CSRF token, the client API base;
 * - `POST /api/session` `{ token }`: sign in with the admin token (sets the session cookie);
 * - `DELETE /api/session`: sign out;
 * - `/api/admin/*`: the admin API, for a signed-in user; every state change needs
 *   `x-csrf-token` and a same-origin request.
 *
 * @example
 * const core = createConsole({ adminToken: process.env.SWITCHYARD_ADMIN_TOKEN });
 * const result = await core.handle(request); // adapters turn result into a response
 */
export function createConsole<Req = unknown>(options: ConsoleOptions<Req>): Console<Req> {
  const o = resolveOptions(options);
  const assets = loadAssets(o.assetsDir);
  // Hook-mode CSRF tokens are derived from the principal id with a per-process secret.
  const csrfSecret = randomBytes(32);
  const hookCsrf = (p: ConsolePrincipal) => createHmac('sha256', csrfSecret).update(`hook:${p.id}`).digest('base64url');
  const throttle = signInThrottle({ limit: o.signInFailures, windowMs: 15 * 60_000, now: o.now });

  async function identify(req: ConsoleRequest<Req>): Promise<{ principal: ConsolePrincipal; csrf: string; session: boolean } | null> {
    const sid = readCookie(header(req, 'cookie'), o.cookieName);
    if (sid && o.adminToken) {
      const session = await o.sessions.get(hashId(sid));
      if (session && session.expiresAt > o.now()) return { principal: session.principal, csrf: session.csrf, session: true };
    }
    if (o.authorize) {
      const principal = await o.authorize(req.raw);
      if (principal)
        return { principal: { id: String(principal.id), name: String(principal.name ?? principal.id) }, csrf: hookCsrf(principal), session: false };
    }
    return null;
  }

  /** Refuse what a browser would only send from another site (defence in depth next to SameSite=Strict). */
  function crossSite(req: ConsoleRequest<Req>): boolean {
    const site = header(req, 'sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') return true;
    const origin = header(req, 'origin');
    if (!origin) return false;
    try {
      return new URL(origin).host !== header(req, 'host');
    } catch {
      return true;
    }
  }

  function cookie(req: ConsoleRequest<Req>, value: string, maxAgeSec: number): string {
    return sessionCookie(o.cookieName, value, { path: req.mountPath || '/', secure: o.secureCookie ?? req.secure, maxAge: maxAgeSec });
  }

  async function signIn(req: ConsoleRequest<Req>): Promise<ConsoleResult> {
    if (!o.adminToken) return fail(404, 'token_sign_in_disabled', 'Sign-in with the admin token is not enabled');
    if (crossSite(req)) return fail(403, 'cross_site_request', 'Cross-site requests are refused');
    // A JSON body cannot be sent cross-site without a preflight, so no login CSRF by form.
    if (!/^application\/json\b/i.test(header(req, 'content-type') ?? '')) return fail(415, 'json_required', 'Send the token as JSON');
    let token: unknown;
    try {
      token = (JSON.parse(await req.readBody(4096)) as { token?: unknown }).token;
    } catch {
      return fail(400, 'invalid_body', 'Send {"token": "..."}');
    }
    const wait = throttle.retryAfter(req.ip);
    if (wait > 0) return fail(429, 'too_many_sign_in_attempts', 'Too many failed sign-ins; try again later', { 'retry-after': String(wait) });
    if (typeof token !== 'string' || !equal(token, o.adminToken)) {
      throttle.fail(req.ip);
      return fail(401, 'invalid_admin_token', 'That admin token is not valid');
    }
    const sid = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    await o.sessions.set(hashId(sid), { principal: ADMIN_PRINCIPAL, csrf, expiresAt: o.now() + o.sessionTtlMs });
    return json(
      200,
      { signed_in: true, principal: ADMIN_PRINCIPAL, csrf, api_base: o.apiBase, can_sign_out: true },
      { 'set-cookie': cookie(req, sid, o.sessionTtlMs / 1000) },
    );
  }

  async function signOut(req: ConsoleRequest<Req>): Promise<ConsoleResult> {
    const who = await identify(req);
    if (who && !csrfOk(req, who.csrf)) return fail(403, 'csrf_token_invalid', 'Missing or wrong x-csrf-token');
    const sid = readCookie(header(req, 'cookie'), o.cookieName);
    if (sid) await o.sessions.delete(hashId(sid));
    return json(200, { signed_in: false }, { 'set-cookie': cookie(req, '', 0) });
  }

  function csrfOk(req: ConsoleRequest<Req>, expected: string): boolean {
    const presented = header(req, 'x-csrf-token');
    return !crossSite(req) && !!presented && equal(presented, expected);
  }

  function asset(req: ConsoleRequest<Req>, path: string): ConsoleResult {
    const file = assets.get(path);
    if (!file) return fail(404, 'not_found', 'Not found');
    const gzip = /\bgzip\b/.test(header(req, 'accept-encoding') ?? '');
    return {
      kind: 'respond',
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        'content-type': file.type,
        'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        vary: 'accept-encoding',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      body: gzip ? file.gzip : file.body,
    };
  }

  return {
    async handle(req) {
      const path = req.url.split('?')[0]!;
      const method = req.method.toUpperCase();
      if (path === '/api/session') {
        if (method === 'POST') return signIn(req);
        if (method === 'DELETE') return signOut(req);
        if (method !== 'GET') return fail(405, 'method_not_allowed', 'Use GET, POST or DELETE');
        const who = await identify(req);
        return who
          ? json(200, { signed_in: true, principal: who.principal, csrf: who.csrf, api_base: o.apiBase, can_sign_out: who.session })
          : json(200, { signed_in: false, token_sign_in: !!o.adminToken, api_base: o.apiBase });
      }
      if (path.startsWith(ADMIN_PREFIX)) {
        const who = await identify(req);
        if (!who) return fail(401, 'not_signed_in', 'Sign in to the console first');
        if (!SAFE_METHODS.has(method) && !csrfOk(req, who.csrf)) return fail(403, 'csrf_token_invalid', 'Missing or wrong x-csrf-token');
        return {
          kind: 'admin',
          url: req.url.slice(ADMIN_PREFIX.length - 1),
          principal: who.principal,
          headers: { ...SECURITY_HEADERS, 'cache-control': 'no-store' },
        };
      }
      if (method !== 'GET' && method !== 'HEAD') return fail(405, 'method_not_allowed', 'The console UI is read with GET');
      return asset(req, path);
    },
  };
}
