/**
 * The full stack run by the CLI with `switchyard start --workers N` (node:cluster): a
 * grandchild process tree (the primary and its workers) whose CPU time and RSS are read from
 * /proc, summed over the tree, so figures per request compare with the single-process targets.
 * @module
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { benchFullStackConfig } from './gateway-target.js';

/** A running cluster: its port, the CPU and RSS of its processes, how to stop it. */
export interface RunningCluster {
  port: number;
  /** CPU time (user + system) of the primary and every live worker, µs. */
  cpuUs(): number;
  /** RSS of the primary and every live worker, bytes. */
  rss(): number;
  close(): Promise<void>;
}

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

function tree(pid: number): number[] {
  const out = [pid];
  for (const task of safe(() => readdirSync(`/proc/${pid}/task`), [] as string[])) {
    const children = safe(() => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8'), '');
    for (const child of children.split(' ').filter(Boolean)) out.push(...tree(Number(child)));
  }
  return out;
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback; // a worker that exited between listing and reading
  }
}

/** utime + stime of one process, µs (fields 14 and 15 of /proc/<pid>/stat, after the command name). */
function cpuOf(pid: number): number {
  const stat = safe(() => readFileSync(`/proc/${pid}/stat`, 'utf8'), '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * TICK_US;
}

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(safe(() => readFileSync(`/proc/${pid}/status`, 'utf8'), ''));
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * Start `switchyard start --workers <workers>` on the full-stack config in `dir` (its cwd: the
 * SQLite file lands there); resolves once the primary reports its port.
 * @example const gw = await startCluster(4000, 2, workDir);
 */
export async function startCluster(upstreamPort: number, workers: number, dir: string): Promise<RunningCluster> {
  const configFile = join(dir, 'cluster-config.json');
  writeFileSync(configFile, JSON.stringify({ ...benchFullStackConfig(upstreamPort), logging: { level: 'warn' } }));
  const cli = createRequire(import.meta.url)
    .resolve('@switchyard/gateway')
    .replace(/index\.js$/, 'cli.js');
  const child = spawn(process.execPath, [cli, 'start', '--workers', String(workers), '--host', '127.0.0.1', '--port', '0', '--config', configFile], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`switchyard --workers ${workers} exited before listening`)));
  });
  const pid = child.pid!;
  return {
    port,
    cpuUs: () => tree(pid).reduce((sum, p) => sum + cpuOf(p), 0),
    rss: () => tree(pid).reduce((sum, p) => sum + rssOf(p), 0),
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
