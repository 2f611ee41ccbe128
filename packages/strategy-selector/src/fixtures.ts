/** Deterministic PRNG for tests (mulberry32): core's, so every package replays the same sequences. */
export { seeded } from '@switchyard/core/testing';

/** A random source that replays fixed values. */
export function replay(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}
