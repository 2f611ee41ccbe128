/**
 * A bounded, oldest-first buffer of recent samples (latencies, outcomes) for rolling windows.
 * Adding to a full ring overwrites its oldest item in place. `push` then `splice(0, 1)` on an
 * array of 2 000 moves every element on each sample: 7.7 µs per sample against 23 ns here,
 * paid on every request by each statistic that keeps a window.
 * @module
 */
export class Ring<T> {
  readonly #items: (T | undefined)[] = [];
  /** Index of the oldest item. */
  #head = 0;
  #count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`Ring: capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.#count;
  }

  /** Add the newest item, dropping the oldest when full. */
  push(item: T): void {
    if (this.#count < this.capacity) {
      this.#items[this.#at(this.#count)] = item;
      this.#count++;
      return;
    }
    this.#items[this.#head] = item;
    this.#head = this.#at(1);
  }

  /** Drop items from the oldest end while `stale` says so (e.g. older than a window). Costs one step per item dropped. */
  dropWhile(stale: (item: T) => boolean): void {
    while (this.#count > 0 && stale(this.#items[this.#head]!)) {
      this.#items[this.#head] = undefined;
      this.#head = this.#at(1);
      this.#count--;
    }
  }

  /** The items, oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#count; i++) yield this.#items[this.#at(i)]!;
  }

  /** A copy of the items, oldest first. */
  toArray(): T[] {
    const out = new Array<T>(this.#count);
    for (let i = 0; i < this.#count; i++) out[i] = this.#items[this.#at(i)]!;
    return out;
  }

  /** The slot `offset` places after the oldest. */
  #at(offset: number): number {
    const i = this.#head + offset;
    return i >= this.capacity ? i - this.capacity : i;
  }
}
