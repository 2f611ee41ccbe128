/** One attempt outcome seen by provider health. */
export interface Sample {
  at: number;
  ok: boolean;
  latencyMs?: number;
  model?: string;
}

/**
 * The samples of one provider inside a time window, with running counts so the hot path
 * (one `push` per attempt, a status check after it) is O(1) amortised instead of a scan.
 * Old samples are dropped from the front by advancing a head index; the array is compacted
 * only when the dead prefix is large, so no per-request `splice` moves the whole window.
 */
export class SampleWindow {
  #items: Sample[] = [];
  #head = 0;
  #failures = 0;

  constructor(readonly maxSamples = 10_000) {}

  push(sample: Sample): void {
    this.#items.push(sample);
    if (!sample.ok) this.#failures++;
    if (this.size > this.maxSamples) this.#dropFirst();
  }

  /** Drop samples older than `from`. */
  trim(from: number): void {
    while (this.#head < this.#items.length && this.#items[this.#head]!.at < from) this.#dropFirst();
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get failures(): number {
    return this.#failures;
  }

  get errorRate(): number {
    return this.size ? this.#failures / this.size : 0;
  }

  /** The live samples, oldest first (a copy: for reports, not the hot path). */
  list(): Sample[] {
    return this.#items.slice(this.#head);
  }

  #dropFirst(): void {
    const dropped = this.#items[this.#head++]!;
    if (!dropped.ok) this.#failures--;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
