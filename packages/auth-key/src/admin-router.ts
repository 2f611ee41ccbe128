import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { ADMIN_ROUTER_OPTIONS, GatewayError, parseJsonObject, readRawBody, renderOpenAIError, toGatewayError, type KeyUsageTotals, type Logger, silentLogger } from '@switchyard/core';
import { badField, parseCreateKey, parseCredential, parseUpdateKey, policyView } from './admin-input.js';
import type { KeyManager } from './key-manager.js';
import type { KeyRecord, StoredCredential } from './key-record.js';


/** Options of {@link keysAdminRouter}. */
export interface KeysAdminRouterOptions {
  /** The key manager shared with the auth middleware. Required. */
  keys: KeyManager;
  /** Path prefix of every route (`/admin`). Defaults to '' (mount with `router.use`). */
  prefix?: string;
  /** Per-key totals for list/get (usage-accounting provides it). Defaults to none: `usage` is null. */
  usageTotals?: (keyIds: string[]) => Promise<Record<string, KeyUsageTotals>>;
  /** Largest admin request body, in bytes. Defaults to 65536. */
  bodyLimit?: number;
  /** Logger for unexpected failures (never a secret). Defaults to a silent logger. */
  logger?: Logger;
}

const PROVIDER_NAME = /^[A-Za-z0-9._-]{1,100}$/;

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function keyView(record: KeyRecord, credentials: Omit<StoredCredential, 'ciphertext'>[], usage: KeyUsageTotals | null | undefined) {
  return {
    id: record.id,
    object: 'api_key',
    name: record.name,
    hint: record.hint,
    status: record.status,
    created_at: iso(record.createdAt),
    last_used_at: iso(record.lastUsedAt),
    revoked_at: iso(record.revokedAt),
    ...policyView(record.policy),
    credentials: credentials.map(credentialView),
    usage: usage ? usageView(usage) : null,
  };
}

/**
 * A key's lifetime totals as the admin API shows them: every token class, and beside the
 * spend the number of requests it leaves out because their cost is unknown.
 */
function usageView(u: KeyUsageTotals) {
  return {
    requests: u.requests,
    input_tokens: u.inputTokens,
    cache_read_tokens: u.cacheReadTokens,
    cache_write_tokens: u.cacheWriteTokens,
    cache_write_1h_tokens: u.cacheWrite1hTokens,
    output_tokens: u.outputTokens,
    spend_usd: u.spendUsd,
    unpriced_requests: u.unpricedRequests,
  };
}

function credentialView(c: Omit<StoredCredential, 'ciphertext'>) {
  return { provider: c.provider, hint: c.hint, created_at: iso(c.createdAt), updated_at: iso(c.updatedAt) };
}

function notFound(id: string): GatewayError {
  return new GatewayError(`No API key with id "${id}"`, { status: 404, code: 'key_not_found', param: 'id' });
}

/**
 * The keys admin API as a `@koa/router` router, for the app to mount behind its own
 * protection (the gateway mounts it at `/admin` behind its admin token). Routes:
 * `POST /keys` (returns the secret once), `GET /keys`, `GET /keys/:id`, `PATCH /keys/:id`,
 * `POST /keys/:id/revoke` and `DELETE /keys/:id` (revoke), `PUT` / `DELETE
 * /keys/:id/credentials/:provider` (BYOK; write-only, answers with a masked hint).
 * Malformed input gets a 400 whose `param` names the field.
 *
 * @example
 * const admin = keysAdminRouter({ keys, prefix: '/admin' });
 * app.use(requireAdmin).use(admin.routes()).use(admin.allowedMethods());
 */
export function keysAdminRouter(options: KeysAdminRouterOptions): Router {
  if (!options || typeof options.keys?.create !== 'function') throw new TypeError('keysAdminRouter: options.keys must be a KeyManager');
  const { keys, usageTotals } = options;
  const bodyLimit = options.bodyLimit ?? 65_536;
  const logger = options.logger ?? silentLogger;
  const router = new Router({ ...ADMIN_ROUTER_OPTIONS, ...(options.prefix ? { prefix: options.prefix } : {}) });

  async function readBody(ctx: Context): Promise<unknown> {
    const parsed = (ctx.request as { body?: unknown }).body;
    if (parsed !== undefined) return parsed;
    try {
      return parseJsonObject(await readRawBody(ctx.req, bodyLimit));
    } catch (err) {
      if ((err as GatewayError).status === 413) throw err;
      throw badField('body', 'must be a JSON object');
    }
  }

  async function totals(ids: string[]): Promise<Record<string, KeyUsageTotals>> {
    if (!usageTotals || ids.length === 0) return {};
    try {
      return await usageTotals(ids);
    } catch (err) {
      logger.warn({ err: (err as Error)?.message }, 'Usage totals unavailable for the keys list');
      return {};
    }
  }

  async function view(record: KeyRecord) {
    const [credentials, usage] = await Promise.all([keys.credentialHints(record.id), totals([record.id])]);
    return keyView(record, credentials, usage[record.id] ?? (usageTotals ? undefined : null));
  }

  async function existing(id: string): Promise<KeyRecord> {
    const record = await keys.get(id);
    if (!record) throw notFound(id);
    return record;
  }

  function provider(ctx: Context): string {
    const name = (ctx as unknown as { params: Record<string, string> }).params.provider ?? '';
    if (!PROVIDER_NAME.test(name)) throw badField('provider', 'must be a provider name ([A-Za-z0-9._-], at most 100 characters)');
    return name;
  }

  const idOf = (ctx: Context) => (ctx as unknown as { params: Record<string, string> }).params.id!;

  router.use(async function adminErrors(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      const error = toGatewayError(err);
      if (error.status >= 500) logger.error({ err: (err as Error)?.message, path: ctx.path }, 'Admin request failed');
      ctx.status = error.status;
      ctx.body = renderOpenAIError(error);
    }
  });

  router.post('/keys', async (ctx) => {
    const input = parseCreateKey(await readBody(ctx));
    const { record, secret } = await keys.create(input);
    ctx.status = 201;
    ctx.set('cache-control', 'no-store');
    ctx.body = { ...(await view(record)), key: secret };
  });

  router.get('/keys', async (ctx) => {
    const records = await keys.list();
    const usage = await totals(records.map((r) => r.id));
    const data = await Promise.all(
      records.map(async (r) => keyView(r, await keys.credentialHints(r.id), usage[r.id] ?? (usageTotals ? undefined : null))),
    );
    ctx.body = { object: 'list', data };
  });

  router.get('/keys/:id', async (ctx) => {
    ctx.body = await view(await existing(idOf(ctx)));
  });

  router.patch('/keys/:id', async (ctx) => {
    const record = await existing(idOf(ctx));
    const patch = parseUpdateKey(await readBody(ctx), record.policy);
    const updated = await keys.update(record.id, patch);
    ctx.body = await view(updated ?? record);
  });

  const revoke = async (ctx: Context) => {
    const record = await keys.revoke(idOf(ctx));
    if (!record) throw notFound(idOf(ctx));
    ctx.body = await view(record);
  };
  router.post('/keys/:id/revoke', revoke);
  router.delete('/keys/:id', revoke);

  router.put('/keys/:id/credentials/:provider', async (ctx) => {
    const record = await existing(idOf(ctx));
    const name = provider(ctx);
    const secret = parseCredential(await readBody(ctx));
    if (!keys.cipher) {
      throw new GatewayError('BYOK credentials need a master key: set SWITCHYARD_MASTER_KEY', { status: 501, code: 'byok_not_configured', expose: true });
    }
    ctx.body = credentialView(await keys.putCredential(record.id, name, secret));
  });

  router.delete('/keys/:id/credentials/:provider', async (ctx) => {
    const record = await existing(idOf(ctx));
    const name = provider(ctx);
    if (!(await keys.deleteCredential(record.id, name))) {
      throw new GatewayError(`Key "${record.id}" has no credential for provider "${name}"`, { status: 404, code: 'credential_not_found', param: 'provider' });
    }
    ctx.status = 204;
  });

  return router;
}
