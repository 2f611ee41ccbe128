import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import Koa, { type Context } from 'koa';
import { koaConsole } from './koa.js';
import type { ConsoleOptions } from './options.js';

const TOKEN = 'console-test-admin-token-0123456789';

/** A tiny stand-in UI bundle, so these tests do not depend on the esbuild step. */
function fixtureAssets(): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-assets-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./assets/app-abc.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-abc.js'), 'console.log("app");'.repeat(50));
  return dir;
}

interface Running {
  url: string;
  server: Server;
  adminCalls: { method: string; url: string; principal: unknown }[];
}

/** A Koa app with the console at /console in front of an admin stand-in that records what reached it. */
async function start(options: Partial<ConsoleOptions<Context>> = {}, proxy = false): Promise<Running> {
  const adminCalls: Running['adminCalls'] = [];
  const app = new Koa();
  app.proxy = proxy;
  app.use(
    koaConsole({
      adminToken: TOKEN,
      assetsDir: fixtureAssets(),
      ...options,
      admin: async (ctx: Context) => {
        adminCalls.push({ method: ctx.method, url: ctx.url, principal: ctx.state.consolePrincipal });
        ctx.body = { ok: true, path: ctx.path };
      },
    } as Parameters<typeof koaConsole>[0]),
  );
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'host app';
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, adminCalls };
}

const stop = (r: Running) =>
  new Promise<void>((resolve) => {
    r.server.closeAllConnections();
    r.server.close(() => resolve());
  });

async function signIn(url: string, token = TOKEN, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });
  const body = (await res.json()) as { csrf?: string };
  const cookie = res.headers.get('set-cookie') ?? '';
  return { res, body, cookie, sid: cookie.split(';')[0]! };
}

describe('console sessions and CSRF (Koa adapter, real HTTP)', () => {
  let r: Running;
  before(async () => (r = await start()));
  after(() => stop(r));

  test('the admin API is closed until sign-in; a wrong token is a 401 and sets no cookie', async () => {
    const anonymous = await fetch(`${r.url}/console/api/admin/keys`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as any).error.code, 'not_signed_in');
    const wrong = await signIn(r.url, 'not-the-token');
    assert.equal(wrong.res.status, 401);
    assert.equal(wrong.cookie, '');
    assert.equal(r.adminCalls.length, 0);
  });

  test('sign-in sets an HttpOnly, SameSite=Strict cookie scoped to the mount, not Secure over plain HTTP', async () => {
    const { res, cookie, body } = await signIn(r.url);
    assert.equal(res.status, 200);
    assert.match(cookie, /^switchyard_console=[A-Za-z0-9_-]{40,}; /);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/console;/);
    assert.doesNotMatch(cookie, /Secure/);
    assert.ok(body.csrf && body.csrf.length >= 40);
    assert.ok(!JSON.stringify(body).includes(TOKEN), 'the admin token is never echoed');
  });

  test('reads pass with the cookie; every state change needs the CSRF token of that session', async () => {
    const { sid, body } = await signIn(r.url);
    const other = await signIn(r.url);
    const call = (method: string, headers: Record<string, string> = {}) =>
      fetch(`${r.url}/console/api/admin/keys?limit=5`, {
        method,
        headers: { cookie: sid, 'content-type': 'application/json', ...headers },
        body: method === 'GET' ? undefined : '{}',
      });
    const read = await call('GET');
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), { ok: true, path: '/keys' });
    assert.equal(r.adminCalls.at(-1)!.url, '/keys?limit=5');
    assert.deepEqual(r.adminCalls.at(-1)!.principal, { id: 'admin', name: 'Admin' });

    const before = r.adminCalls.length;
    const attempts: Record<string, string>[] = [{}, { 'x-csrf-token': 'forged' }, { 'x-csrf-token': other.body.csrf! }];
    for (const headers of attempts) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const res = await call(method, headers);
        assert.equal(res.status, 403, `${method} with ${JSON.stringify(headers)}`);
        assert.equal(((await res.json()) as any).error.code, 'csrf_token_invalid');
      }
    }
    assert.equal(r.adminCalls.length, before, 'nothing reached the admin API');
    assert.equal((await call('POST', { 'x-csrf-token': body.csrf! })).status, 200);
    assert.equal(r.adminCalls.at(-1)!.method, 'POST');
  });

  test('a cross-site request is refused even with the right cookie and token', async () => {
    const { sid, body } = await signIn(r.url);
    const crossSite: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }];
    for (const headers of crossSite) {
      const res = await fetch(`${r.url}/console/api/admin/keys`, {
        method: 'POST',
        headers: { cookie: sid, 'x-csrf-token': body.csrf!, ...headers },
        body: '{}',
      });
      assert.equal(res.status, 403);
    }
    assert.equal((await signIn(r.url, TOKEN, { origin: 'https://evil.example' })).res.status, 403, 'no login CSRF');
    const form = await fetch(`${r.url}/console/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    assert.equal(form.status, 415, 'a form post (no preflight) cannot sign in');
  });

  test('sign-out needs the CSRF token, clears the cookie and ends the session server-side', async () => {
    const { sid, body } = await signIn(r.url);
    assert.equal((await fetch(`${r.url}/console/api/session`, { method: 'DELETE', headers: { cookie: sid } })).status, 403);
    const out = await fetch(`${r.url}/console/api/session`, { method: 'DELETE', headers: { cookie: sid, 'x-csrf-token': body.csrf! } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /switchyard_console=; .*Max-Age=0/);
    // The old cookie no longer works, even if a browser kept it.
    assert.equal((await fetch(`${r.url}/console/api/admin/keys`, { headers: { cookie: sid } })).status, 401);
    const session = (await (await fetch(`${r.url}/console/api/session`, { headers: { cookie: sid } })).json()) as any;
    assert.equal(session.signed_in, false);
  });

  test('the UI is served with a strict CSP, gzip, and year-long caching for hashed assets only', async () => {
    const redirect = await fetch(`${r.url}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/console/');
    const index = await fetch(`${r.url}/console/`);
    assert.equal(index.status, 200);
    const csp = index.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const asset = await fetch(`${r.url}/console/assets/app-abc.js`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type')!, /javascript/);
    assert.equal((await fetch(`${r.url}/console/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${r.url}/elsewhere`)).status, 404);
    assert.equal(await (await fetch(`${r.url}/elsewhere`)).text(), 'host app', 'other paths fall through to the host app');
  });
});

test('sessions expire after sessionTtlMs', async () => {
  let now = 1_000_000;
  const r = await start({ sessionTtlMs: 60_000, now: () => now });
  try {
    const { sid, cookie } = await signIn(r.url);
    assert.match(cookie, /Max-Age=60;/);
    assert.equal((await fetch(`${r.url}/console/api/admin/keys`, { headers: { cookie: sid } })).status, 200);
    now += 60_001;
    assert.equal((await fetch(`${r.url}/console/api/admin/keys`, { headers: { cookie: sid } })).status, 401);
  } finally {
    await stop(r);
  }
});

test('failed sign-ins from one address are throttled with 429 and Retry-After; the window ends', async () => {
  let now = 5_000_000;
  const r = await start({ signInFailures: 3, now: () => now });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await signIn(r.url, 'guess-' + i)).res.status, 401);
    const blocked = await signIn(r.url, TOKEN);
    assert.equal(blocked.res.status, 429, 'even the right token waits out the window');
    assert.equal(blocked.res.headers.get('retry-after'), '900');
    assert.equal(blocked.cookie, '');
    now += 15 * 60_000;
    assert.equal((await signIn(r.url, TOKEN)).res.status, 200);
  } finally {
    await stop(r);
  }
});

test('behind a TLS-terminating proxy the cookie is Secure', async () => {
  const r = await start({}, true);
  try {
    const { cookie } = await signIn(r.url, TOKEN, { 'x-forwarded-proto': 'https' });
    assert.match(cookie, /; Secure/);
  } finally {
    await stop(r);
  }
});

test("the authorize hook signs the host app's user in, and state changes still need CSRF", async () => {
  const r = await start({ adminToken: undefined, authorize: (ctx: Context) => (ctx.get('x-user') === 'ada' ? { id: 'u1', name: 'Ada' } : null) });
  try {
    const anonymous = (await (await fetch(`${r.url}/console/api/session`)).json()) as any;
    assert.deepEqual(anonymous, { signed_in: false, token_sign_in: false, api_base: '/v1' });
    assert.equal((await fetch(`${r.url}/console/api/admin/keys`)).status, 401);
    const session = (await (await fetch(`${r.url}/console/api/session`, { headers: { 'x-user': 'ada' } })).json()) as any;
    assert.equal(session.signed_in, true);
    assert.deepEqual(session.principal, { id: 'u1', name: 'Ada' });
    assert.equal((await fetch(`${r.url}/console/api/admin/keys`, { headers: { 'x-user': 'ada' } })).status, 200);
    assert.deepEqual(r.adminCalls.at(-1)!.principal, { id: 'u1', name: 'Ada' });
    assert.equal((await fetch(`${r.url}/console/api/admin/keys`, { method: 'POST', headers: { 'x-user': 'ada' } })).status, 403);
    assert.equal((await fetch(`${r.url}/console/api/admin/keys`, { method: 'POST', headers: { 'x-user': 'ada', 'x-csrf-token': session.csrf } })).status, 200);
    assert.equal((await signIn(r.url)).res.status, 404, 'token sign-in is off without adminToken');
  } finally {
    await stop(r);
  }
});

test('bad options fail at start-up, naming the option', () => {
  const admin = async () => {};
  assert.throws(() => koaConsole({ admin } as never), /adminToken, authorize, or both/);
  assert.throws(() => koaConsole({ adminToken: '', admin } as never), /adminToken/);
  assert.throws(() => koaConsole({ adminToken: TOKEN } as never), /options.admin/);
  assert.throws(() => koaConsole({ adminToken: TOKEN, admin, assetsDir: '/nonexistent' } as never), /UI bundle is missing/);
});

test('the shipped bundle: no inline script or style, first-page JS under 150 KB gzipped', () => {
  const dir = new URL('./ui/', import.meta.url).pathname;
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script has a src');
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
  assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin');
  const js = readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js'));
  const gz = js.reduce((n, f) => n + gzipSync(readFileSync(join(dir, 'assets', f))).length, 0);
  assert.ok(gz > 1000 && gz < 150 * 1024, `first-page JS is ${gz} bytes gzipped`);
});
