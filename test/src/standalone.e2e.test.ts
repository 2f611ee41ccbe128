import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { freePort } from '@switchyard/stores/testing';
import { schemas, assertSchema } from './support/schemas.js';

const root = new URL('../../', import.meta.url);
const cli = new URL('packages/gateway/dist/cli.js', root).pathname;

async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  // Each run gets its own SQLite file: test files run in parallel.
  const sqlite = join(mkdtempSync(join(tmpdir(), 'sy-cli-')), 'switchyard.db');
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root.pathname,
    env: { ...process.env, SWITCHYARD_SQLITE_PATH: sqlite, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`cli exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

test("the README's quick start: the embedded default config serves the curl example", async () => {
  const port = await freePort();
  const { child, url } = await startCli(['start', '--port', String(port)]);
  try {
    assert.equal(url, `http://127.0.0.1:${port}`);
    // The README's curl command, byte for byte (its JSON body), against this port.
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const curl = /curl (http:\/\/127\.0\.0\.1:8787\/v1\/chat\/completions)[^\n]* -d '([^']+)'/.exec(readme);
    assert.ok(curl, 'README has the curl example');
    const res = await fetch(curl[1]!.replace('8787', String(port)), { method: 'POST', headers: { 'content-type': 'application/json' }, body: curl[2] });
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assertSchema(schemas.openaiChatCompletion, body, 'simulated completion');
    assert.equal(body.provider, 'sim-fast');
    // The official SDK, streaming, against the same offline gateway.
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'smart', stream: true, messages: [{ role: 'user', content: 'hello' }] })) {
      assertSchema(schemas.openaiChatChunk, chunk, 'simulated chunk');
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.ok(text.length > 0);
    assert.equal((await fetch(`${url}/health/ready`)).status, 200);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('SWITCHYARD_HOST / SWITCHYARD_PORT choose the address', async () => {
  const port = await freePort();
  const { child, url } = await startCli(['start'], { SWITCHYARD_PORT: String(port), SWITCHYARD_HOST: '127.0.0.1' });
  child.kill('SIGTERM');
  await once(child, 'exit');
  assert.equal(url, `http://127.0.0.1:${port}`);
});

test('graceful shutdown lets an in-flight stream finish, then exits', async () => {
  const port = await freePort();
  const { child, url } = await startCli(['start', '--port', String(port)]);
  // sim-smart streams at 80 tokens/s: this stream takes well over a second.
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-smart-1', stream: true, max_tokens: 120, messages: [{ role: 'user', content: 'long answer please' }] }),
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  child.kill('SIGTERM');
  let text = Buffer.from(first.value!).toString();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  assert.ok(text.endsWith('data: [DONE]\n\n'), 'the stream completed after SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('a bad config stops start-up with the path of the bad field', async () => {
  const child = spawn(process.execPath, [cli, 'start', '--config', new URL('test/fixtures/bad-config.yaml', root).pathname], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(err, /ai_gateway\.providers\[0\]\.base_url/);
  assert.doesNotMatch(err, /sk-secret-in-bad-config/);
});
