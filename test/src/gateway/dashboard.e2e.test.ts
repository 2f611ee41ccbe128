/**
 * The Grafana dashboard and the example alert rules in observability/ reference only metrics a
 * running gateway exports: read /metrics after some traffic and check every name.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { openaiCompletion } from './helpers.js';

const root = new URL('../../../', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('observability/grafana-dashboard.json', root), 'utf8'));
const alerts = parse(readFileSync(new URL('observability/prometheus-alerts.yml', root), 'utf8'));

let upstream: Upstream;
let gw: RunningGateway;
let metrics: string;
let keyId: string;

before(async () => {
  upstream = await startUpstream({ json: openaiCompletion('gpt-4o-mini', 'hello') });
  gw = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      auth: { required: true },
      usage: { flush_interval: '50ms' },
      ai_gateway: {
        providers: [
          {
            name: 'dash',
            type: 'openai',
            base_url: `${upstream.url}/v1`,
            api_key: 'sk-up',
            models: ['gpt-4o-mini'],
            cost: { input_per_1k: 0.01, output_per_1k: 0.03 },
          },
        ],
      },
    },
  });
  const { record, secret } = await gw.gateway.switchyard.stack.keys.create({ name: 'dash', policy: { limits: { requestsPerMinute: 1 } } } as never);
  keyId = record.id;
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: secret, maxRetries: 0 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] }),
    (err: any) => err.status === 429,
  );
  // Settlement (and with it the counters) follows the response; give it a moment.
  for (let i = 0; i < 50; i++) {
    metrics = await (await fetch(`${gw.url}/metrics`)).text();
    if (/switchyard_rate_limit_rejections_total\{/.test(metrics) && /switchyard_key_cost_usd_total\{/.test(metrics)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  await gw.close();
  await upstream.close();
});

/** Metric names with a `# TYPE` line, and the series names each one exposes. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1]! + suffix);
    if (m[2] === 'summary') for (const suffix of ['_sum', '_count']) names.add(m[1]! + suffix);
  }
  return names;
}

const referenced = (exprs: string[]) => new Set(exprs.flatMap((e) => [...e.matchAll(/\bswitchyard_[a-z0-9_]+/g)].map((m) => m[0])));

function dashboardExprs(): string[] {
  const panels = dashboard.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr as string));
}

test('the dashboard parses and every panel queries Prometheus', () => {
  assert.equal(dashboard.uid, 'switchyard-gateway');
  const panels = dashboard.panels.filter((p: any) => p.type !== 'row');
  assert.ok(panels.length >= 15);
  for (const p of panels) assert.ok(p.targets?.length > 0 && p.targets.every((t: any) => typeof t.expr === 'string' && t.expr.length > 0), p.title);
});

test('every metric the dashboard and the alert rules reference is exported by the gateway', () => {
  const names = exported(metrics);
  const alertExprs = alerts.groups.flatMap((g: any) => g.rules.map((r: any) => String(r.expr)));
  const wanted = referenced([...dashboardExprs(), ...alertExprs]);
  assert.ok(wanted.size >= 12, [...wanted].join(' '));
  const missing = [...wanted].filter((n) => !names.has(n));
  assert.deepEqual(missing, []);
});

test('the alert rules cover provider down, error rate and budget exhaustion', () => {
  const byName = new Map(alerts.groups.flatMap((g: any) => g.rules.map((r: any) => [r.alert, String(r.expr)])));
  assert.match(byName.get('SwitchyardProviderDown') as string, /switchyard_provider_up/);
  assert.match(byName.get('SwitchyardHighErrorRate') as string, /switchyard_requests_total/);
  assert.match(byName.get('SwitchyardBudgetExhausted') as string, /switchyard_rate_limit_rejections_total/);
});

test('per-key spend and rate-limit rejections have samples after traffic', () => {
  assert.match(metrics, new RegExp(`switchyard_key_cost_usd_total\\{key_id="${keyId}"\\} [0-9.e-]+`));
  assert.match(metrics, new RegExp(`switchyard_key_tokens_total\\{key_id="${keyId}",direction="output"\\} 3`));
  assert.match(metrics, /switchyard_rate_limit_rejections_total\{code="rate_limit_exceeded"\} 1/);
});
