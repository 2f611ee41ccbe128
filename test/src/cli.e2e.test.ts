import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const cli = new URL('packages/gateway/dist/cli.js', root).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function configFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-cli-')), 'switchyard.yaml');
  writeFileSync(file, yaml);
  return file;
}

const SIM = 'ai_gateway:\n  providers:\n    - name: sim\n      type: simulated\n';

test('switchyard validate exits 1 with the bad path for every config start would refuse', () => {
  const broken: Array<[string, RegExp]> = [
    ['ai_gateway:\n  providers:\n    - name: o\n      type: openia\n', /ai_gateway\.providers\[0\]\.type.*did you mean "openai"/],
    ['ai_gateway:\n  providers:\n    - name: local\n      type: openai-compatible\n', /ai_gateway\.providers\[0\].*base_url/],
    [`${SIM}  routing:\n    strategy: fastest\n`, /ai_gateway\.routing\.strategy/],
    [`${SIM}  routing:\n    providers:\n      - name: openai\n        priority: 1\n`, /ai_gateway\.routing\.providers\[0\]\.name/],
    [`${SIM}  model_mapping:\n    smart:\n      anthropic: claude\n`, /ai_gateway\.model_mapping\.smart\.anthropic/],
    [`usage:\n  capture_bodies: no\n${SIM}`, /usage\.capture_bodies/],
    ['ai_gateway:\n  provders:\n    - name: sim\n      type: simulated\n', /ai_gateway\.provders: unknown key; did you mean "providers"/],
    [
      'ai_gateway:\n  providers:\n    - name: o\n      type: openai\n      api_kye: sk-x\n',
      /ai_gateway\.providers\[0\]\.api_kye: unknown key; did you mean "api_key"/,
    ],
    [`${SIM}      modles: [a]\n`, /ai_gateway\.providers\[0\]\.modles: unknown key; did you mean "models"/],
    [`${SIM}  routing:\n    failover:\n      max_retires: 3\n`, /ai_gateway\.routing\.failover\.max_retires: unknown key; did you mean "max_retries"/],
    [`${SIM}  rate_limit:\n    default_limits: {}\n`, /ai_gateway\.rate_limit: unknown key; did you mean "rate_limits"/],
  ];
  for (const [yaml, pattern] of broken) {
    const { code, stdout, stderr } = run(['validate', '--config', configFile(yaml)]);
    assert.equal(code, 1, `${yaml}\n${stdout}${stderr}`);
    assert.match(stderr, pattern, yaml);
    assert.doesNotMatch(stdout, /^ok/m);
  }
  const ok = run(['validate', '--config', configFile(SIM)]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ok: .*\(1 providers\)/);
});

test('switchyard --version prints the package version; the help names start as the default command', () => {
  const version = JSON.parse(readFileSync(new URL('packages/gateway/package.json', root), 'utf8')).version as string;
  const v = run(['--version']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), `switchyard ${version}`);
  const help = run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /start .*default command/);
});

test('switchyard config schema prints a JSON Schema that the shipped configs satisfy and typos break', async () => {
  const { code, stdout, stderr } = run(['config', 'schema']);
  assert.equal(code, 0, stderr);
  const schema = JSON.parse(stdout) as Record<string, unknown>;
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const { default: addFormats } = await import('ajv-formats');
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  const validate = ajv.compile(schema);
  const { parse } = await import('yaml');
  for (const name of ['loom-complete.yaml', 'switchyard.example.yaml']) {
    const config = parse(readFileSync(new URL(`config/${name}`, root), 'utf8'));
    assert.ok(validate(config), `${name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate({ ai_gateway: { provders: [] } }), false);
  assert.equal(validate({ usage: { capture_bodies: 'no' } }), false);
  assert.equal(validate({ ai_gateway: { providers: [{ name: 'o', type: 'openia' }] } }), false);
});

test('switchyard start logs one line per request asynchronously, and a SIGTERM shutdown writes every line out', async () => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'sy-cli-log-'));
  const file = configFile(
    `ai_gateway:\n  providers:\n    - name: sim\n      type: simulated\n      latency_ms: 0\n      tokens_per_second: 0\n      models: [sim-model]\n`,
  );
  const child = spawn(process.execPath, [cli, 'start', '--config', file, '--port', '0'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', SWITCHYARD_LOG_LEVEL: 'info', SWITCHYARD_SQLITE_PATH: join(dir, 'sy.db') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line\n${stdout}\n${stderr}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/[^\s]+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const N = 40;
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const res = await fetch(`${origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: `hello ${i}` }] }),
        });
        assert.equal(res.status, 200, await res.text());
        await res.arrayBuffer().catch(() => undefined);
      }),
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const lines = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    assert.equal(requests.length, N, stderr);
    for (const line of requests) {
      assert.equal(line.level, 'info');
      assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
      assert.equal(line.status, 200);
      assert.equal(line.provider, 'sim');
    }
    assert.ok(
      lines.some((l) => l.msg === 'shutting down'),
      'the shutdown line is written too',
    );
  } finally {
    child.kill('SIGKILL');
  }
});
