/**
 * Open-file limits of the bench's processes. 10,000 concurrent streams need ~10,000 sockets in
 * the client and ~20,000 in the system under test (one towards the client and one towards the
 * upstream per stream), more than a usual `ulimit -n`. Node cannot call setrlimit itself, so
 * the limit is raised from outside with util-linux `prlimit --pid`, which works on a running
 * process when the bench runs as root (or with CAP_SYS_RESOURCE) and fails quietly otherwise.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Soft and hard open-file limits of a process; undefined where /proc is not readable. */
export interface FdLimit {
  soft: number;
  hard: number;
}

/** Reads `Max open files` from /proc/<pid>/limits (Linux). */
export function fdLimit(pid: number | 'self' = 'self'): FdLimit | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line?.match(/\d+|unlimited/g) ?? []).map((v) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v)));
    return soft === undefined || hard === undefined ? undefined : { soft, hard };
  } catch {
    return undefined;
  }
}

/**
 * Raises a process's open-file limit (soft and hard) to at least `wanted` if it is lower, and
 * returns the limit it ends up with. Never lowers a limit.
 * @example
 * const { soft } = raiseFdLimit(child.pid, 25_000) ?? { soft: 1024 };
 */
export function raiseFdLimit(pid: number, wanted: number): FdLimit | undefined {
  const before = fdLimit(pid);
  if (before && before.soft >= wanted) return before;
  try {
    const hard = Math.max(wanted, before?.hard ?? 0);
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${wanted}:${Number.isFinite(hard) ? hard : 'unlimited'}`], { stdio: 'ignore' });
  } catch {
    // Not root, or no prlimit: the caller sizes the run to the limit it gets.
  }
  return fdLimit(pid);
}
