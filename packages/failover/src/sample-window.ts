import { OTHER_MODEL, SampleRing } from '@switchyard/core';

/** One attempt outcome seen by provider health. */
export interface Sample {
  at: number;
  ok: boolean;
  latencyMs?: number;
  model?: string;
}

/** Distinct model labels one window keeps. */
export const MAX_LABELS = 1000;

/**
 * The samples of one provider inside a time window, with a running failure count so the hot
 * path (one `push` per attempt, a status check after it) is O(1). Samples live in a
 * {@link SampleRing} (numbers, no object per attempt); a model is stored as the index of its
 * label in a small table: the gateway's labels are catalog models or `other`, and past
 * {@link MAX_LABELS} distinct ones (hand-recorded names) a new one counts as `other`.
 */
export class SampleWindow {
  readonly #ring: SampleRing;
  readonly #labels: string[] = [];
  readonly #labelIndex = new Map<string, number>();
  #failures = 0;

  constructor(readonly maxSamples = 10_000) {
    this.#ring = new SampleRing(maxSamples);
  }

  /** Add an outcome seen at `at`. */
  push(at: number, sample: Omit<Sample, 'at'>): void {
    if (this.#ring.size === this.maxSamples) this.#dropFirst();
    this.#ring.push(at, sample.ok ? 1 : 0, sample.latencyMs ?? Number.NaN, sample.model === undefined ? Number.NaN : this.#label(sample.model));
    if (!sample.ok) this.#failures++;
  }

  /** Drop samples older than `from`. */
  trim(from: number): void {
    while (this.#ring.size > 0 && this.#ring.time(0) < from) this.#dropFirst();
  }

  get size(): number {
    return this.#ring.size;
  }

  get failures(): number {
    return this.#failures;
  }

  get errorRate(): number {
    return this.size ? this.#failures / this.size : 0;
  }

  /** The live samples, oldest first (objects built now: for reports, not the hot path). */
  list(): Sample[] {
    const out: Sample[] = [];
    for (let i = 0; i < this.#ring.size; i++) {
      const sample: Sample = { at: this.#ring.time(i), ok: this.#ring.value(i, 0) === 1 };
      const latencyMs = this.#ring.value(i, 1);
      if (!Number.isNaN(latencyMs)) sample.latencyMs = latencyMs;
      const label = this.#ring.value(i, 2);
      if (!Number.isNaN(label)) sample.model = this.#labels[label];
      out.push(sample);
    }
    return out;
  }

  #dropFirst(): void {
    if (this.#ring.value(0, 0) !== 1) this.#failures--;
    this.#ring.shift();
  }

  #label(model: string): number {
    const known = this.#labelIndex.get(model);
    if (known !== undefined) return known;
    const label = this.#labels.length < MAX_LABELS ? model : OTHER_MODEL;
    let index = this.#labelIndex.get(label);
    if (index === undefined) {
      index = this.#labels.push(label) - 1;
      this.#labelIndex.set(label, index);
    }
    return index;
  }
}
