/**
 * Parent side of the child processes: start one, wait for its port, stop it; and make sure no
 * child outlives the bench, whether it ends normally, throws or is interrupted.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildMemory, ChildMessage, ChildRequest, ChildRole } from './child.js';

/** A running child process serving HTTP on 127.0.0.1. */
export interface RunningChild {
  role: ChildRole;
  port: number;
  pid: number;
  /** Where the child's stdout and stderr go. */
  logFile: string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process exited. */
  stop(): Promise<void>;
  /** The child's memory (after a forced GC when `gc` and the child runs with `--expose-gc`). */
  stats(gc: boolean): Promise<ChildStats>;
  /** Held upstream only: end every open stream; resolves with how many were ended. */
  release(): Promise<number>;
}

/** A child's answer to a stats request. */
export interface ChildStats {
  memory: ChildMemory;
  /** Whether a GC ran just before the figures were taken. */
  gc: boolean;
  /** Open file descriptors (sockets included); -1 where /proc is not available. */
  fds: number;
  /** CPU time the child used so far (user + system, from `process.cpuUsage()`), µs. */
  cpuUs: number;
  /** Bytes its scavenges promoted to the old generation so far (promotion.ts). */
  promotedBytes: number;
  /** Held upstream only: streams open. */
  openStreams?: number;
}

/** Extra settings of a child. */
export interface ChildOptions {
  /** Arguments after the role and the upstream port (see child.ts). Defaults to none. */
  args?: readonly string[];
  /** Node flags, e.g. `--expose-gc`. Defaults to this process's. */
  execArgv?: readonly string[];
  /** Ms to wait for the child's port. Defaults to 20_000. */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
let guarded = false;

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

// Registered once: a crash or Ctrl-C in the load generator must not leave servers behind.
function guard(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

let workDir: string | undefined;

/** One temporary directory per run: the children's cwd (for any files a gateway writes) and logs. */
export function benchWorkDir(): string {
  workDir ??= mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  return workDir;
}

/** Removes the run's directory and the children's logs; for runs where nothing went wrong. */
export function removeBenchWorkDir(): void {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2_000);
  } catch {
    return '';
  }
}

/**
 * Forks `child.js` in `role` and resolves once it listens. Rejects (and kills it) if it fails
 * to start within `timeoutMs`.
 * @example
 * const upstream = await startChild('upstream');
 * const proxy = await startChild('proxy', upstream.port);
 * await proxy.stop(); await upstream.stop();
 */
export function startChild(role: ChildRole, upstreamPort = 0, options: ChildOptions = {}): Promise<RunningChild> {
  guard();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const dir = benchWorkDir();
  const logFile = join(dir, `${role}.log`);
  const log = openSync(logFile, 'a');
  const child = fork(new URL('./child.js', import.meta.url), [role, String(upstreamPort), ...(options.args ?? [])], {
    cwd: dir,
    execArgv: [...(options.execArgv ?? process.execArgv)],
    // Logs go to a file, not through a pipe the load generator would have to drain.
    stdio: ['ignore', log, log, 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  closeSync(log);
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );

  return new Promise<RunningChild>((resolve, reject) => {
    let started = false;
    const fail = (why: string): void => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      const output = tail(logFile);
      reject(new Error(`${role} did not start: ${why}${output ? `\n--- ${logFile} ---\n${output}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no port after ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    child.once('message', (message: ChildMessage) => {
      if (message.type === 'error') return fail(message.message);
      if (started || message.type !== 'ready') return;
      started = true;
      clearTimeout(timer);
      const stop = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(kill);
      };
      resolve({ role, port: message.port, pid: child.pid ?? -1, logFile, stop, ...requester(child) });
    });
  });
}

function requester(child: ChildProcess): Pick<RunningChild, 'stats' | 'release'> {
  let nextId = 0;
  const ask = <T extends ChildMessage['type']>(request: ChildRequest, answer: T): Promise<Extract<ChildMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: ChildMessage): void => {
        if (message.type !== answer || !('id' in message) || message.id !== request.id) return;
        done();
        resolve(message as Extract<ChildMessage, { type: T }>);
      };
      const onExit = (): void => {
        done();
        reject(new Error(`child exited before answering ${request.type}`));
      };
      const done = (): void => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(request, (error) => {
        if (!error) return;
        done();
        reject(new Error(`child could not be asked for ${request.type}: ${error.message}`));
      });
    });
  return {
    stats: async (gc) => {
      const { memory, gc: collected, fds, cpuUs, promotedBytes, openStreams } = await ask({ type: 'stats', id: nextId++, gc }, 'stats');
      return { memory, gc: collected, fds, cpuUs, promotedBytes, ...(openStreams === undefined ? {} : { openStreams }) };
    },
    release: async () => (await ask({ type: 'release', id: nextId++ }, 'released')).count,
  };
}
