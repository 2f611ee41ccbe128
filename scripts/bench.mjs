#!/usr/bin/env node
// `npm run bench [-- flags]`: the overhead harness (bench/dist/run.js, which gets the flags),
// then the cost of one rate-limit decision in memory and with Redis.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const run = (script, extra) => spawnSync(process.execPath, [script, ...extra], { stdio: 'inherit' }).status ?? 1;
const harness = run(new URL('../bench/dist/run.js', import.meta.url).pathname, args);
const limits = args.includes('--help')
  ? 0
  : run(new URL('../packages/rate-limit/dist/bench-decision.js', import.meta.url).pathname, [args.includes('--quick') ? '1' : '3']);
process.exit(harness || limits);
