/**
 * `switchyard start --workers N`: the primary process forks N gateway workers with node:cluster
 * (they share the listening port), hosts the state they share when no Redis is configured
 * (see shared-state.ts), restarts a crashed worker after a backoff, and on SIGTERM/SIGINT lets
 * every worker drain before it exits.
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from '@switchyard/core';
import { hostSharedState, type IpcEndpoint } from './shared-state.js';

/** The message the primary sends a worker to make it drain and exit. */
export const SHUTDOWN_MESSAGE = { sy: 'shutdown' } as const;

/** `server.workers` as a count: `auto` is the number of cores. */
export function workerCount(value: number | 'auto'): number {
  return value === 'auto' ? availableParallelism() : value;
}

/** Options of {@link runPrimary}. */
export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** How long a worker may take to drain before it is killed: the config's `server.shutdown_timeout` plus a margin. */
  drainTimeoutMs: number;
  /** First delay before a crashed worker is restarted; it doubles per crash in a row. Defaults to 500. */
  restartDelayMs?: number;
  /** Longest restart delay. Defaults to 30000. */
  maxRestartDelayMs?: number;
  /** Called once every first worker listens. */
  onListening?(address: { address: string; port: number }): void;
}

/** A worker that ran this long before exiting is a fresh crash, not one of a crash loop. */
const STABLE_MS = 30_000;

/**
 * Run the cluster's primary until SIGTERM/SIGINT, then drain the workers. Resolves to the exit
 * code: 0 after a shutdown, 1 when the first worker could not start (its error is on stderr).
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options;
  const baseDelay = options.restartDelayMs ?? 500;
  const maxDelay = options.maxRestartDelayMs ?? 30_000;
  // Structured clone, not JSON: counters carry Infinity, figures are Maps.
  cluster.setupPrimary({ serialization: 'advanced' });
  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w) as unknown as IpcEndpoint[];
  const host = hostSharedState({ workers: live, logger });
  const startedAt = new Map<Worker, number>();
  let crashes = 0;
  let stopping = false;
  let started = false;
  const restarts = new Set<NodeJS.Timeout>();
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

  const fork = () => {
    const worker = cluster.fork();
    host.serve(worker as unknown as IpcEndpoint);
    startedAt.set(worker, Date.now());
    worker.once('listening', () => logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker started'));
    return worker;
  };
  const listening = (worker: Worker) =>
    new Promise<{ address: string; port: number } | undefined>((resolve) => {
      worker.once('listening', (address) => resolve({ address: address.address ?? '127.0.0.1', port: address.port }));
      worker.once('exit', () => resolve(undefined));
    });

  cluster.on('exit', (worker, code, signal) => {
    const ranMs = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping || !started) return;
    crashes = ranMs >= STABLE_MS ? 1 : crashes + 1;
    const delayMs = Math.min(maxDelay, baseDelay * 2 ** (crashes - 1));
    logger.error({ worker: worker.id, pid: worker.process.pid, code, signal, restart_in_ms: delayMs }, 'worker exited; restarting it');
    const timer = setTimeout(() => {
      restarts.delete(timer);
      fork();
    }, delayMs);
    restarts.add(timer);
  });

  // The first worker migrates the database and inserts the config's keys alone; the others start
  // once it listens.
  const first = await listening(fork());
  if (!first) return 1;
  started = true;
  const rest = await Promise.all(Array.from({ length: options.workers - 1 }, () => listening(fork())));
  if (rest.some((a) => !a)) logger.error({}, 'a worker could not start; it will be restarted');
  options.onListening?.(first);

  const signal = await stopSignal;
  stopping = true;
  for (const timer of restarts) clearTimeout(timer);
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  logger.info({ signal, workers: workers.length }, 'shutting down: draining workers');
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const kill = setTimeout(() => {
            logger.warn({ worker: worker.id, pid: worker.process.pid }, 'worker did not drain in time; killing it');
            worker.process.kill('SIGKILL');
          }, options.drainTimeoutMs);
          worker.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          worker.send(SHUTDOWN_MESSAGE, () => {});
        }),
    ),
  );
  return 0;
}

/**
 * In a worker: resolves when the primary asks it to drain (or is gone), or on SIGTERM/SIGINT.
 */
export function workerStopRequested(): Promise<string> {
  return new Promise((resolve) => {
    process.on('message', (message) => {
      if ((message as { sy?: unknown })?.sy === SHUTDOWN_MESSAGE.sy) resolve('shutdown');
    });
    process.once('disconnect', () => resolve('primary gone'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/** A logger adding `worker` (the cluster worker id) to every line. */
export function workerLogger(logger: Logger, worker: number): Logger {
  return {
    debug: (obj, msg) => logger.debug({ worker, ...obj }, msg),
    info: (obj, msg) => logger.info({ worker, ...obj }, msg),
    warn: (obj, msg) => logger.warn({ worker, ...obj }, msg),
    error: (obj, msg) => logger.error({ worker, ...obj }, msg),
  };
}
