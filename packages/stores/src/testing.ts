/**
 * Real Redis and PostgreSQL servers on 127.0.0.1 for tests, started from the Debian packages
 * `.ci/run` installs. Nothing is mocked: each helper starts a real server (or reuses the one
 * the test runner started, from `SWITCHYARD_TEST_REDIS_URL` / `SWITCHYARD_TEST_PG_URL`) and
 * hands out an isolated namespace on it.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test server. */
export interface TestStoreServer {
  /** Connection URL (`redis://127.0.0.1:port/db` or `postgres://…/database`). */
  url: string;
  port: number;
  /** Stop the server if this call started it (a shared one is left running). */
  stop(): Promise<void>;
}

/** Ask the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start within ${timeoutMs} ms:\n${seen.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) done();
    };
    const onExit = (code: number | null) => fail(new Error(`${what} exited with ${code}:\n${seen.slice(-2000)}`));
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    }
    function done() {
      cleanup();
      resolve();
    }
    function fail(err: Error) {
      cleanup();
      reject(err);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/**
 * Start `redis-server` on a free loopback port with persistence off, or reuse
 * `SWITCHYARD_TEST_REDIS_URL` unless `own` asks for a server of the caller's own (one a test
 * may stop to simulate an outage).
 * @example const redis = await startRedis(); const client = new Redis(redis.url); … await redis.stop();
 */
export async function startRedis(options: { own?: boolean } = {}): Promise<TestStoreServer> {
  const shared = options.own ? undefined : process.env.SWITCHYARD_TEST_REDIS_URL;
  if (shared) return { url: shared, port: Number(new URL(shared).port), stop: async () => {} };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForLine(child, /Ready to accept connections/, 'redis-server');
  child.stdout?.resume();
  child.stderr?.resume();
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopChild(child) };
}

function postgresBinDir(): string {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [fromConfig.status === 0 ? fromConfig.stdout.trim() : ''];
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort().reverse()) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  }
  const dir = candidates.find((d) => d && existsSync(join(d, 'initdb')));
  if (!dir) throw new Error('PostgreSQL server binaries (initdb) not found: apt-get install -y postgresql');
  return dir;
}

/** PostgreSQL refuses to run as root; run it as the `postgres` system user when we are root. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error('Running as root and there is no postgres user to run the server as');
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Start a throw-away PostgreSQL cluster on a free loopback port (trust auth, fsync off), or
 * reuse `SWITCHYARD_TEST_PG_URL`. Either way the returned URL names a fresh database.
 * @example const pg = await startPostgres(); const pool = new pg.Pool({ connectionString: pg.url });
 */
export async function startPostgres(): Promise<TestStoreServer> {
  const shared = process.env.SWITCHYARD_TEST_PG_URL;
  if (shared) return { ...(await createDatabase(shared)), stop: async () => {} };
  const bin = postgresBinDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  chmodSync(dir, 0o700);
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const init = spawnSync(join(bin, 'initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], {
    encoding: 'utf8',
    ...user,
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], ...user },
  );
  await waitForLine(child, /database system is ready to accept connections/, 'postgres');
  child.stdout?.resume();
  child.stderr?.resume();
  const base = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const db = await createDatabase(base);
  return {
    url: db.url,
    port,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Create a uniquely named database on a server and return its URL. */
async function createDatabase(serverUrl: string): Promise<{ url: string; port: number }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), port: Number(url.port) };
}
