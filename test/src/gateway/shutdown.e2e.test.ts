import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createGateway } from '@switchyard/gateway';

test('nothing is lost: N requests in, N request-log rows on disk after a graceful stop', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-shutdown-')), 'switchyard.db');
  const gateway = await createGateway({
    config: {
      // A long flush interval: the rows must come from the shutdown flush, not a timer.
      usage: { flush_interval: '1h', batch_size: 1000 },
      storage: { sqlite_path: file },
      ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0 }] },
    },
  });
  const server = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const N = 60;
  const ask = (i: number) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-1', stream: i % 2 === 0, messages: [{ role: 'user', content: `request ${i}` }] }),
    }).then((res) => res.text());
  await Promise.all(Array.from({ length: N }, (_, i) => ask(i)));
  await gateway.close();

  const db = new Database(file, { readonly: true });
  try {
    const { n } = db.prepare('SELECT count(*) AS n FROM switchyard_request_logs').get() as { n: number };
    assert.equal(n, N);
  } finally {
    db.close();
  }
});
