/**
 * A bounded, oldest-first series of timestamped samples of up to three numbers each, kept in one
 * Float64Array: no object per sample. Statistics that keep one sample per attempt for minutes
 * (provider health, routing percentiles, provider performance) held one object each in a
 * {@link Ring}: every sample outlived two scavenges and was copied into the old generation, to
 * die there minutes later (~100 bytes per attempt per statistic, and 25,000 objects live after a
 * soak). The array grows by doubling up to `capacity`, so a quiet series stays small.
 * @module
 */

/** Numbers per slot: the time, then three values. */
const WIDTH = 4;

export class SampleRing {
  #data = new Float64Array(0);
  /** Slots the array holds now (grows to `capacity`). */
  #slots = 0;
  /** Slot of the oldest sample. */
  #head = 0;
  #count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`SampleRing: capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.#count;
  }

  /** Add the newest sample (NaN for a value it has not), dropping the oldest when full. */
  push(time: number, a = Number.NaN, b = Number.NaN, c = Number.NaN): void {
    if (this.#count === this.#slots && this.#slots < this.capacity) this.#grow();
    let at: number;
    if (this.#count < this.#slots) at = this.#slot(this.#count++);
    else {
      at = this.#head;
      this.#head = this.#slot(1);
    }
    const d = this.#data;
    const i = at * WIDTH;
    d[i] = time;
    d[i + 1] = a;
    d[i + 2] = b;
    d[i + 3] = c;
  }

  /** Drop the oldest sample (none when empty). */
  shift(): void {
    if (this.#count === 0) return;
    this.#head = this.#slot(1);
    this.#count--;
  }

  /** Time of the `index`-th oldest sample (0: the oldest). */
  time(index: number): number {
    return this.#data[this.#slot(index) * WIDTH];
  }

  /** Value `column` (0, 1 or 2) of the `index`-th oldest sample. */
  value(index: number, column: 0 | 1 | 2): number {
    return this.#data[this.#slot(index) * WIDTH + 1 + column];
  }

  #slot(offset: number): number {
    const i = this.#head + offset;
    return i >= this.#slots ? i - this.#slots : i;
  }

  /** Only when full: the samples are `head .. end`, then `0 .. head`; they move to `0 ..` in order. */
  #grow(): void {
    const slots = Math.min(this.capacity, Math.max(16, this.#slots * 2));
    const data = new Float64Array(slots * WIDTH);
    const split = this.#head * WIDTH;
    data.set(this.#data.subarray(split));
    data.set(this.#data.subarray(0, split), this.#data.length - split);
    this.#data = data;
    this.#slots = slots;
    this.#head = 0;
  }
}
