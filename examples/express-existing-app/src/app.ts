/**
 * An Express app that already has users, its own bearer-token auth and its own routes, and
 * adds Switchyard's AI routes under /ai. The AI routes trust the app's own auth: whoever
 * `requireUser` let in becomes the Switchyard principal (no Switchyard API keys).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { appAuth } from '@switchyard/auth-key/express';
import { createSwitchyard, type Switchyard } from '@switchyard/gateway';

/** The app's user, as its own auth establishes it. */
export interface User {
  id: string;
  name: string;
  plan: 'free' | 'pro';
}

// The app's user table.
const USERS: Record<string, User> = {
  ada: { id: 'ada', name: 'Ada Lovelace', plan: 'pro' },
  bob: { id: 'bob', name: 'Bob', plan: 'free' },
};

/** A tiny signed token (`<user id>.<HMAC>`): the app's own auth, not Switchyard's. */
export function issueToken(userId: string, secret: string): string {
  return `${userId}.${createHmac('sha256', secret).update(userId).digest('base64url')}`;
}

function verifyToken(token: string, secret: string): User | undefined {
  const [userId = '', signature = ''] = token.split('.');
  const expected = Buffer.from(issueToken(userId, secret).split('.')[1]!);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? USERS[userId] : undefined;
}

export interface ExampleApp {
  app: express.Express;
  switchyard: Switchyard;
  close(): Promise<void>;
}

/** Build the app. `tokenSecret` signs the app's own tokens. */
export async function createApp(tokenSecret: string): Promise<ExampleApp> {
  const switchyard = await createSwitchyard({
    config: {
      // Request logs in memory for the example; a file path (the default) keeps them.
      storage: { sqlite_path: ':memory:' },
      ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1', 'sim-pro'] }] },
    },
  });
  const app = express();

  function requireUser(req: Request, res: Response, next: NextFunction): void {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const user = token ? verifyToken(token, tokenSecret) : undefined;
    if (!user) {
      res.status(401).json({ error: { message: 'Sign in first', type: 'authentication_error' } });
      return;
    }
    (req as Request & { user?: User }).user = user;
    next();
  }

  // The app's own routes.
  app.post('/login', express.json(), (req, res) => {
    const user = USERS[String(req.body?.user)];
    if (!user) return void res.status(401).json({ error: 'unknown user' });
    res.json({ token: issueToken(user.id, tokenSecret) });
  });
  app.get('/api/profile', requireUser, (req, res) => {
    res.json({ user: (req as Request & { user: User }).user });
  });

  // Switchyard under /ai, behind the app's own auth; the app's user is the principal, and
  // the app's plan decides which models it may use.
  const aiPrincipal = appAuth({
    resolve: (_exchange, req) => {
      const user = (req as Request & { user?: User }).user;
      return user && { id: user.id, name: user.name, allowedModels: user.plan === 'pro' ? undefined : ['sim-1'], metadata: { plan: user.plan } };
    },
  });
  app.use('/ai', requireUser);
  app.post(['/ai/v1/chat/completions', '/ai/v1/messages'], aiPrincipal);
  app.use('/ai', switchyard.express());

  return { app, switchyard, close: () => switchyard.close() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const secret = process.env.APP_TOKEN_SECRET ?? 'dev-only-token-secret';
  const { app } = await createApp(secret);
  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, '127.0.0.1', () => process.stdout.write(`express-existing-app on http://127.0.0.1:${port} (token for ada: ${issueToken('ada', secret)})\n`));
}
