/**
 * The standalone gateway with `tracing.otlp_endpoint`: spans reach a real OTLP/HTTP receiver
 * (a local server decoding the exporter's JSON), flushed at shutdown, with the configured
 * service name.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startGateway } from '../support/gateway.js';
import { startUpstream } from '../support/upstream.js';
import { openaiCompletion } from './helpers.js';

test('spans are exported over OTLP/HTTP when tracing.otlp_endpoint is set', async () => {
  const batches: any[] = [];
  const collector = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url === '/v1/traces' && req.headers['x-collector-token'] === 'tok') batches.push(JSON.parse(body));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
  const upstream = await startUpstream({ json: openaiCompletion('gpt-4o-mini', 'exported') });
  const gw = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      tracing: { otlp_endpoint: endpoint, otlp_headers: 'x-collector-token=tok', service_name: 'switchyard-otlp-test' },
      ai_gateway: { providers: [{ name: 'otlp-up', type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-up', models: ['gpt-4o-mini'] }] },
    },
  });
  try {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    await res.text();
  } finally {
    await gw.close(); // flushes the batch processor
    await upstream.close();
    await new Promise((resolve) => collector.close(resolve));
  }
  const resourceSpans = batches.flatMap((b) => b.resourceSpans);
  assert.ok(resourceSpans.length > 0, 'the collector received spans');
  const service = resourceSpans[0].resource.attributes.find((a: any) => a.key === 'service.name');
  assert.equal(service.value.stringValue, 'switchyard-otlp-test');
  const names = resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans.map((x: any) => x.name))).sort();
  assert.deepEqual(names, ['chat gpt-4o-mini', 'chat gpt-4o-mini']);
});
