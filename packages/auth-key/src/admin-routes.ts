import {
  GatewayError,
  toGatewayError,
  type KeyUsageTotals,
  type Logger,
  type Route,
  type RouteRequest,
  type RouteResult,
  silentLogger,
} from '@switchyard/core';
import { badField, parseCreateKey, parseCredential, parseUpdateKey, policyView } from './admin-input.js';
import type { KeyManager } from './key-manager.js';
import type { KeyRecord, StoredCredential } from './key-record.js';

/** Options of {@link keysAdminRoutes}. */
export interface KeysAdminOptions {
  /** The key manager shared with the auth middleware. Required. */
  keys: KeyManager;
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
 * The keys admin API as a framework-neutral route table, for the app to mount behind its own
 * protection (`koaRoutes` from `@switchyard/core/koa`, `expressRoutes` from
 * `@switchyard/core/express`; the gateway mounts it at `/admin` behind its admin token). Routes:
 * `POST /keys` (returns the secret once), `GET /keys`, `GET /keys/:id`, `PATCH /keys/:id`,
 * `POST /keys/:id/revoke` and `DELETE /keys/:id` (revoke), `PUT` / `DELETE
 * /keys/:id/credentials/:provider` (BYOK; write-only, answers with a masked hint).
 * Malformed input gets a 400 whose `param` names the field.
 *
 * @example
 * app.use(requireAdmin).use(koaRoutes(keysAdminRoutes({ keys }), { prefix: '/admin' }));
 */
export function keysAdminRoutes(options: KeysAdminOptions): Route[] {
  if (!options || typeof options.keys?.create !== 'function') throw new TypeError('keysAdminRoutes: options.keys must be a KeyManager');
  const { keys, usageTotals } = options;
  const bodyLimit = options.bodyLimit ?? 65_536;
  const logger = options.logger ?? silentLogger;

  async function readBody(request: RouteRequest): Promise<unknown> {
    try {
      return await request.json(bodyLimit);
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

  function provider(request: RouteRequest): string {
    const name = request.params.provider ?? '';
    if (!PROVIDER_NAME.test(name)) throw badField('provider', 'must be a provider name ([A-Za-z0-9._-], at most 100 characters)');
    return name;
  }

  /** Unexpected failures are logged (never a secret) and answered as a GatewayError. */
  const route = (method: Route['method'], path: string, handler: (request: RouteRequest) => Promise<RouteResult>): Route => ({
    method,
    path,
    async handler(request) {
      try {
        return await handler(request);
      } catch (err) {
        const error = toGatewayError(err);
        if (error.status >= 500) logger.error({ err: (err as Error)?.message, path: request.path }, 'Admin request failed');
        throw error;
      }
    },
  });

  const revoke = async (request: RouteRequest): Promise<RouteResult> => {
    const record = await keys.revoke(request.params.id!);
    if (!record) throw notFound(request.params.id!);
    return { status: 200, body: await view(record) };
  };

  return [
    route('POST', '/keys', async (request) => {
      const input = parseCreateKey(await readBody(request));
      const { record, secret } = await keys.create(input);
      return { status: 201, headers: { 'cache-control': 'no-store' }, body: { ...(await view(record)), key: secret } };
    }),
    route('GET', '/keys', async () => {
      const records = await keys.list();
      const usage = await totals(records.map((r) => r.id));
      const data = await Promise.all(records.map(async (r) => keyView(r, await keys.credentialHints(r.id), usage[r.id] ?? (usageTotals ? undefined : null))));
      return { status: 200, body: { object: 'list', data } };
    }),
    route('GET', '/keys/:id', async (request) => ({ status: 200, body: await view(await existing(request.params.id!)) })),
    route('PATCH', '/keys/:id', async (request) => {
      const record = await existing(request.params.id!);
      const patch = parseUpdateKey(await readBody(request), record.policy);
      const updated = await keys.update(record.id, patch);
      return { status: 200, body: await view(updated ?? record) };
    }),
    route('POST', '/keys/:id/revoke', revoke),
    route('DELETE', '/keys/:id', revoke),
    route('PUT', '/keys/:id/credentials/:provider', async (request) => {
      const record = await existing(request.params.id!);
      const name = provider(request);
      const secret = parseCredential(await readBody(request));
      if (!keys.cipher) {
        throw new GatewayError('BYOK credentials need a master key: set SWITCHYARD_AUTH_MASTER_KEY', {
          status: 501,
          code: 'byok_not_configured',
          expose: true,
        });
      }
      return { status: 200, body: credentialView(await keys.putCredential(record.id, name, secret)) };
    }),
    route('DELETE', '/keys/:id/credentials/:provider', async (request) => {
      const record = await existing(request.params.id!);
      const name = provider(request);
      if (!(await keys.deleteCredential(record.id, name))) {
        throw new GatewayError(`Key "${record.id}" has no credential for provider "${name}"`, { status: 404, code: 'credential_not_found', param: 'provider' });
      }
      return { status: 204, body: undefined };
    }),
  ];
}
