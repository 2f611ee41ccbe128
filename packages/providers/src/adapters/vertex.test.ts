import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import { createUndiciTransport } from '../transport/undici.js';
import { createAdapter } from '../registry.js';
import { collect, fixtureJson, fixtureText, startUpstream, type Upstream, type Recorded } from '../testing/upstream.test.util.js';
import { rejection } from '../testing/adapter.test.util.js';

/** Verify an RS256 JWT the way Google's token endpoint does; returns header and claims. */
function verifyJwt(jwt: string, publicKey: KeyObject): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p, s] = jwt.split('.');
  assert.ok(h && p && s, 'three JWT segments');
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s, 'base64url'));
  assert.ok(ok, 'JWT signature verifies with the service account public key');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

describe('vertex adapter', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-vertex-'));
  const credentialsFile = join(dir, 'sa.json');
  let tokenServer: Upstream;
  let vertex: Upstream;
  const transport = createUndiciTransport();
  const signal = new AbortController().signal;
  let clock = 1_700_000_000_000;
  const now = (): number => clock;
  let issued = 0;
  let tokenFailure: { status: number; body: string } | undefined;
  const grants: { header: Record<string, unknown>; claims: Record<string, unknown> }[] = [];
  const call = (over: Partial<ProviderCall> = {}): ProviderCall => ({
    format: 'openai.chat',
    body: { messages: [{ role: 'user', content: 'hi' }] },
    model: 'gemini-2.5-flash',
    stream: false,
    headers: {},
    requestId: 'req-1',
    ...over,
  });
  const config = (over: Record<string, unknown> = {}) => ({
    name: 'vx',
    type: 'vertex',
    project_id: 'my-proj',
    location: 'europe-west4',
    credentials_file: credentialsFile,
    base_url: vertex.url,
    token_url: `${tokenServer.url}/token`,
    now,
    ...over,
  });

  before(async () => {
    tokenServer = await startUpstream();
    vertex = await startUpstream();
    writeFileSync(
      credentialsFile,
      JSON.stringify({
        type: 'service_account',
        project_id: 'file-proj',
        private_key_id: 'kid-123',
        client_email: 'switchyard@file-proj.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        token_uri: 'https://oauth2.googleapis.com/token',
      }),
    );
    tokenServer.set((req: Recorded, res: ServerResponse) => {
      const form = new URLSearchParams(req.body);
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
      grants.push(verifyJwt(form.get('assertion')!, publicKey));
      if (tokenFailure) {
        res.writeHead(tokenFailure.status, { 'content-type': 'application/json' });
        return res.end(tokenFailure.body);
      }
      issued += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `ya29.token-${issued}`, expires_in: 3599, token_type: 'Bearer' }));
    });
    vertex.set((req: Recorded, res: ServerResponse) => {
      if (req.url.includes(':streamGenerateContent')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return res.end(fixtureText('gemini/stream-text.sse'));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(fixtureJson('gemini/text-response.json')));
    });
  });
  after(async () => {
    await transport.close();
    await tokenServer.close();
    await vertex.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a JWT, exchanges it for a token and calls the project/location URL with it', async () => {
    const adapter = createAdapter(config());
    const result = (await adapter.invoke(
      call({
        body: {
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'hi' },
          ],
        },
      }),
      { transport, signal },
    )) as JsonResult;
    const sent = vertex.requests.at(-1)!;
    assert.equal(sent.url, '/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers.authorization, `Bearer ya29.token-${issued}`);
    assert.deepEqual(JSON.parse(sent.body).systemInstruction, { parts: [{ text: 'Be brief.' }] });
    const { header, claims } = grants.at(-1)!;
    assert.deepEqual(header, { alg: 'RS256', typ: 'JWT', kid: 'kid-123' });
    assert.deepEqual(claims, {
      iss: 'switchyard@file-proj.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: 'https://oauth2.googleapis.com/token',
      iat: clock / 1000,
      exp: clock / 1000 + 3600,
    });
    assert.equal(JSON.parse(result.body).choices[0].message.content, 'The image shows a red square.');
    assert.equal(result.usage?.reasoningTokens, 39);
  });

  it('caches the token and refreshes it 60 s before expiry (injected clock)', async () => {
    const adapter = createAdapter(config());
    const start = issued;
    await adapter.invoke(call(), { transport, signal });
    const first = vertex.requests.at(-1)!.headers.authorization;
    clock += 3599_000 - 61_000; // still more than 60 s left
    await adapter.invoke(call(), { transport, signal });
    assert.equal(vertex.requests.at(-1)!.headers.authorization, first);
    assert.equal(issued, start + 1);
    clock += 2_000; // now 59 s left: refresh
    await adapter.invoke(call(), { transport, signal });
    assert.equal(issued, start + 2);
    assert.notEqual(vertex.requests.at(-1)!.headers.authorization, first);
    assert.equal(grants.at(-1)!.claims.iat, clock / 1000);
  });

  it('makes one token exchange for many concurrent calls (single flight), streaming included', async () => {
    const adapter = createAdapter(config());
    const start = issued;
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => adapter.invoke(call(), { transport, signal })),
      adapter.invoke(call({ stream: true }), { transport, signal }),
    ]);
    assert.equal(issued, start + 1);
    const stream = results[4] as StreamResult;
    const events = await collect(stream.events);
    assert.equal(
      vertex.requests.at(-1)!.url,
      '/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    assert.equal(events.at(-1)!.data, '[DONE]');
    assert.equal(JSON.parse(events[0]!.data).choices[0].delta.content, 'Hello');
  });

  it('uses the key file token_uri and project when config names none', async () => {
    const file = join(dir, 'local.json');
    writeFileSync(
      file,
      JSON.stringify({
        project_id: 'file-proj',
        client_email: 'a@b.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        token_uri: `${tokenServer.url}/token`,
      }),
    );
    const adapter = createAdapter({ name: 'vx2', type: 'vertex', credentials_file: file, base_url: vertex.url, location: 'global', now });
    await adapter.invoke(call(), { transport, signal });
    assert.equal(vertex.requests.at(-1)!.url, '/v1/projects/file-proj/locations/global/publishers/google/models/gemini-2.5-flash:generateContent');
    assert.equal(grants.at(-1)!.claims.aud, `${tokenServer.url}/token`);
  });

  it('fails with auth when the token endpoint refuses the grant, without calling Vertex', async () => {
    const adapter = createAdapter(config());
    const calls = vertex.requests.length;
    tokenFailure = { status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }) };
    try {
      const error = await rejection(adapter.invoke(call(), { transport, signal }));
      assert.equal(error.failureKind, 'auth');
      assert.equal(error.upstreamStatus, 400);
      tokenFailure = { status: 503, body: 'unavailable' };
      assert.equal((await rejection(adapter.invoke(call(), { transport, signal }))).failureKind, 'overloaded');
    } finally {
      tokenFailure = undefined;
    }
    assert.equal(vertex.requests.length, calls);
    await adapter.invoke(call(), { transport, signal }); // a failed exchange is not cached
    assert.equal(vertex.requests.length, calls + 1);
  });

  it('uses a per-call apiKey as the access token (BYOK) and does not serve embeddings', async () => {
    const adapter = createAdapter(config());
    const start = issued;
    await adapter.invoke(call({ apiKey: 'ya29.client-token' }), { transport, signal });
    assert.equal(vertex.requests.at(-1)!.headers.authorization, 'Bearer ya29.client-token');
    assert.equal(issued, start);
    assert.equal(adapter.supports('openai.embeddings'), false);
  });

  it('validates config at start-up', () => {
    assert.throws(() => createAdapter({ name: 'v', type: 'vertex', credentials_file: join(dir, 'missing.json') }), /cannot read service-account credentials/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ client_email: 'a@b', private_key: 'not a key', project_id: 'p' }));
    assert.throws(() => createAdapter({ name: 'v', type: 'vertex', credentials_file: bad }), /private_key/);
    const noProject = join(dir, 'np.json');
    writeFileSync(noProject, JSON.stringify({ client_email: 'a@b', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) }));
    assert.throws(() => createAdapter({ name: 'v', type: 'vertex', credentials_file: noProject }), /project_id/);
    assert.throws(() => createAdapter({ name: 'v', type: 'vertex', credentials_file: credentialsFile, location: 'eu/../x' }), /location/);
  });
});
