/**
 * A Koa app that already has users, its own signed session cookie and its own routes, and
 * adds Switchyard's AI routes under /ai. The AI routes trust the app's session: the signed-in
 * user (`ctx.state.user`) becomes the Switchyard principal (no Switchyard API keys).
 */
import { pathToFileURL } from 'node:url';
import Koa, { type Context, type Next } from 'koa';
import { appAuth } from '@switchyard/auth-key/koa';
import { formatForPath } from '@switchyard/core';
import { createSwitchyard, type Switchyard } from '@switchyard/gateway';

/** The app's user, as its own session establishes it. */
export interface User {
  id: string;
  name: string;
  plan: 'free' | 'pro';
}

const USERS: Record<string, User> = {
  ada: { id: 'ada', name: 'Ada Lovelace', plan: 'pro' },
  bob: { id: 'bob', name: 'Bob', plan: 'free' },
};

export interface ExampleApp {
  app: Koa;
  switchyard: Switchyard;
  close(): Promise<void>;
}

/** Build the app. `cookieSecret` signs the app's session cookie (Koa's own signed cookies). */
export async function createApp(cookieSecret: string): Promise<ExampleApp> {
  const switchyard = await createSwitchyard({
    config: {
      // Request logs in memory for the example; a file path (the default) keeps them.
      storage: { sqlite_path: ':memory:' },
      ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1', 'sim-pro'] }] },
    },
  });
  const app = new Koa();
  app.keys = [cookieSecret];

  // The app's own session: a signed cookie naming the user.
  app.use(async (ctx: Context, next: Next) => {
    const id = ctx.cookies.get('uid', { signed: true });
    ctx.state.user = id ? USERS[id] : undefined;
    await next();
  });

  // The app's own routes.
  app.use(async (ctx: Context, next: Next) => {
    if (ctx.method === 'POST' && ctx.path.startsWith('/login/')) {
      const user = USERS[ctx.path.slice('/login/'.length)];
      if (!user) ctx.throw(401, 'unknown user');
      ctx.cookies.set('uid', user.id, { signed: true, httpOnly: true, sameSite: 'lax' });
      ctx.body = { ok: true };
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/api/profile') {
      if (!ctx.state.user) ctx.throw(401, 'Sign in first');
      ctx.body = { user: ctx.state.user };
      return;
    }
    await next();
  });

  // Switchyard under /ai, behind the app's session; the session user is the principal.
  const aiPrincipal = appAuth({
    resolve: (_exchange, ctx) => {
      const user = ctx.state.user as User | undefined;
      return user && { id: user.id, name: user.name, allowedModels: user.plan === 'pro' ? undefined : ['sim-1'], metadata: { plan: user.plan } };
    },
  });
  app.use(async (ctx: Context, next: Next) => {
    if (!ctx.path.startsWith('/ai/')) return next();
    if (!ctx.state.user) {
      ctx.status = 401;
      ctx.body = { error: { message: 'Sign in first', type: 'authentication_error' } };
      return;
    }
    // appAuth creates the exchange, so it runs on the AI endpoints only (not GET /ai/v1/models).
    return ctx.method === 'POST' && formatForPath(ctx.path) ? aiPrincipal(ctx, next) : next();
  });
  app.use(switchyard.koa({ prefix: '/ai' }));

  return { app, switchyard, close: () => switchyard.close() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { app } = await createApp(process.env.APP_COOKIE_SECRET ?? 'dev-only-cookie-secret');
  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, '127.0.0.1', () => process.stdout.write(`koa-existing-app on http://127.0.0.1:${port}\n`));
}
