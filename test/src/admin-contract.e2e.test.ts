/**
 * One contract for every admin route table: each package's table answers the same on Koa and
 * Express (status, content type, body, and the headers a client relies on), mounted through
 * core's `koaRoutes` / `expressRoutes` by `serveRoutes`. Each framework gets a fresh copy of the
 * same state; ids and times are replaced by placeholders before comparing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { EventBus, type KeyLimits, type Route, type RoutingConfig } from '@switchyard/core';
import { FRAMEWORKS, httpRequest, serveRoutes, type Framework } from '@switchyard/core/testing';
import { createKeyManager, MemoryKeyStore } from '@switchyard/auth-key';
import { keysAdminRoutes } from '@switchyard/auth-key/admin';
import { limitsAdminRoutes } from '@switchyard/rate-limit/admin';
import { RateLimiter } from '@switchyard/rate-limit';
import { routingAdminRoutes } from '@switchyard/strategy-selector/admin';
import { createCatalog } from '@switchyard/model-mapping';
import { catalogAdminRoutes } from '@switchyard/model-mapping/admin';
import { ProviderHealth } from '@switchyard/failover';
import { providersAdminRoutes } from '@switchyard/failover/admin';
import { sqliteRequestLogStore } from '@switchyard/usage-accounting';
import { usageAdminRoutes } from '@switchyard/usage-accounting/admin';

interface Step {
  method: string;
  /** The path, or a function of what earlier steps saved. */
  path: string | ((saved: Record<string, string>) => string);
  body?: unknown;
  /** Save values of the JSON answer for later paths. */
  save?: (json: Record<string, unknown>) => Record<string, string>;
  /** Read only the first chunk of an event stream, then hang up. */
  stream?: boolean;
}

interface Contract {
  name: string;
  /** A fresh table over fresh state (called once per framework), and how to release it. */
  setup(): { routes: Route[]; close?(): Promise<void> | void };
  steps: Step[];
  /** The statuses the steps must get (so the comparison is not between two failures). */
  statuses: number[];
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const VOLATILE = new Set(['id', 'key', 'hint', 'key_id']);

/** Replace ids, secrets and times (different in every run) by placeholders. */
function normalise(value: unknown, field = ''): unknown {
  if (typeof value === 'string') return VOLATILE.has(field) ? `<${field}>` : ISO.test(value) ? '<time>' : value.replace(/key_[0-9a-f]{8,}/g, '<key id>');
  if (typeof value === 'number' && /_at$|^(from|to)$/.test(field)) return '<time>';
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  return value;
}

async function runSteps(framework: Framework, contract: Contract) {
  const { routes, close } = contract.setup();
  const server = await serveRoutes(framework, routes, { prefix: '/admin' });
  const saved: Record<string, string> = {};
  const answers: unknown[] = [];
  try {
    for (const step of contract.steps) {
      const path = typeof step.path === 'function' ? step.path(saved) : step.path;
      const body = step.body === undefined ? undefined : typeof step.body === 'string' ? step.body : JSON.stringify(step.body);
      if (step.stream) {
        const controller = new AbortController();
        const res = await fetch(`${server.url}/admin${path}`, { signal: controller.signal });
        const reader = res.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        controller.abort();
        answers.push({ status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), first });
        continue;
      }
      const res = await httpRequest(`${server.url}/admin${path}`, { method: step.method, ...(body === undefined ? {} : { body }) });
      const json = res.text ? (JSON.parse(res.text) as Record<string, unknown>) : undefined;
      if (json && step.save) Object.assign(saved, step.save(json));
      answers.push({
        path: `${step.method} ${typeof step.path === 'string' ? step.path : 'saved'}`,
        status: res.status,
        type: res.headers['content-type'] ?? null,
        cache: res.headers['cache-control'] ?? null,
        body: normalise(json),
      });
    }
  } finally {
    await server.close();
    await close?.();
  }
  return answers;
}

const contracts: Contract[] = [
  {
    name: 'auth-key keysAdminRoutes',
    setup() {
      const keys = createKeyManager({ store: new MemoryKeyStore(), masterKey: randomBytes(32).toString('hex') });
      return { routes: keysAdminRoutes({ keys }), close: () => keys.close() };
    },
    steps: [
      { method: 'POST', path: '/keys', body: { name: 'ci' }, save: (j) => ({ id: String(j.id) }) },
      { method: 'GET', path: '/keys' },
      { method: 'GET', path: (s) => `/keys/${s.id}` },
      { method: 'PATCH', path: (s) => `/keys/${s.id}`, body: { name: 'renamed' } },
      { method: 'PATCH', path: (s) => `/keys/${s.id}`, body: '{not json' },
      { method: 'PUT', path: (s) => `/keys/${s.id}/credentials/openai`, body: { api_key: 'sk-contract-123456' } },
      { method: 'DELETE', path: (s) => `/keys/${s.id}/credentials/openai` },
      { method: 'DELETE', path: (s) => `/keys/${s.id}/credentials/openai` },
      { method: 'POST', path: (s) => `/keys/${s.id}/revoke` },
      { method: 'GET', path: '/keys/nope' },
    ],
    statuses: [201, 200, 200, 200, 400, 200, 204, 404, 200, 404],
  },
  {
    name: 'rate-limit limitsAdminRoutes',
    setup() {
      const limits = new Map<string, KeyLimits>([['key_1', { totalTokensPerHour: 1000 }]]);
      const limiter = new RateLimiter();
      return {
        routes: limitsAdminRoutes({
          getLimits: (id) => limits.get(id),
          setLimits: (id, l) => (limits.has(id) ? void limits.set(id, l) : false),
          usage: (id) => limiter.usage(`k:${id}`),
        }),
      };
    },
    steps: [
      { method: 'GET', path: '/keys/key_1/limits' },
      { method: 'PUT', path: '/keys/key_1/limits', body: { inputTokensPerHour: 500 } },
      { method: 'PUT', path: '/keys/key_1/limits', body: { outputTokensPerHour: 'lots' } },
      { method: 'GET', path: '/keys/nope/limits' },
    ],
    statuses: [200, 200, 400, 404],
  },
  {
    name: 'strategy-selector routingAdminRoutes',
    setup() {
      const saved = new Map<string, RoutingConfig | null>([['key_1', null]]);
      return {
        routes: routingAdminRoutes({
          getRouting: (id) => saved.get(id),
          setRouting: (id, cfg) => (saved.has(id) ? void saved.set(id, cfg) : false),
          hasKey: (id) => saved.has(id),
        }),
      };
    },
    steps: [
      { method: 'GET', path: '/keys/key_1/routing' },
      { method: 'PUT', path: '/keys/key_1/routing', body: { active: true, strategy: 'cost', targets: ['openai'] } },
      { method: 'PUT', path: '/keys/key_1/routing', body: { active: 'yes', strategy: 'cost' } },
      { method: 'GET', path: '/keys/nope/routing' },
    ],
    statuses: [200, 200, 400, 404],
  },
  {
    name: 'model-mapping catalogAdminRoutes',
    setup() {
      const catalog = createCatalog({ providers: [{ name: 'openai', type: 'openai', models: ['gpt-4o'], cost: { input_per_1k: 0.01, output_per_1k: 0.03 } }] });
      return { routes: catalogAdminRoutes({ catalog }) };
    },
    steps: [
      { method: 'GET', path: '/models?provider=openai' },
      { method: 'GET', path: '/models?enabled=maybe' },
      { method: 'GET', path: '/models/openai/gpt-4o' },
      { method: 'PATCH', path: '/models/openai/gpt-4o', body: { enabled: false } },
      { method: 'DELETE', path: '/models/openai/gpt-4o/override' },
      { method: 'POST', path: '/costs/analyze', body: { model: 'gpt-4o', input_tokens: 1000, output_tokens: 100 } },
      { method: 'GET', path: '/models/nope/x' },
    ],
    statuses: [200, 400, 200, 200, 200, 200, 404],
  },
  {
    name: 'failover providersAdminRoutes',
    setup() {
      const health = new ProviderHealth({ events: new EventBus(), providers: ['a'], minSamples: 1 });
      return { routes: providersAdminRoutes({ health, breakerStates: () => [] }), close: () => health.stop() };
    },
    steps: [
      { method: 'GET', path: '/providers' },
      { method: 'GET', path: '/providers/a/health' },
      { method: 'GET', path: '/providers/a/stats' },
      { method: 'GET', path: '/providers/zzz/health' },
      { method: 'GET', path: '/providers/events', stream: true },
    ],
    statuses: [200, 200, 200, 404, 200],
  },
  {
    name: 'usage-accounting usageAdminRoutes',
    setup() {
      const db = new Database(':memory:');
      return { routes: usageAdminRoutes({ store: sqliteRequestLogStore(db), now: () => Date.UTC(2026, 0, 2) }), close: () => void db.close() };
    },
    steps: [
      { method: 'GET', path: '/logs?limit=5' },
      { method: 'GET', path: '/logs?limit=zero' },
      { method: 'GET', path: '/logs/nope' },
      { method: 'GET', path: '/usage?group_by=model&window=24h' },
      { method: 'GET', path: '/providers/performance' },
    ],
    statuses: [200, 400, 404, 200, 404],
  },
];

for (const contract of contracts) {
  test(`${contract.name}: the same answers on Koa and Express`, { timeout: 60_000 }, async () => {
    const [koa, express] = await Promise.all(FRAMEWORKS.map((framework) => runSteps(framework, contract)));
    assert.deepEqual(
      koa!.map((a) => (a as { status: number }).status),
      contract.statuses,
      `${contract.name} on Koa`,
    );
    assert.deepEqual(express, koa, `${contract.name}: Express answers as Koa does`);
  });
}
