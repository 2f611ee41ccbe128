/**
 * A collection for what comes and goes at request rate (responses in flight, a key's
 * exchanges), without a Set or Map.
 *
 * Why: on Node 20 (V8 11.3), a long-lived Set or Map that an object was added to and then
 * deleted from still keeps that object, and everything it references, alive through minor GCs
 * until the next full GC. Tracking each request's response in such a Set promoted the request's
 * whole object graph to the old generation: 2.3 KB per request on a bare `node:http` server,
 * against 0.06 KB with this list (promoted bytes per request, `node --trace-gc-nvp`). The old
 * generation then grows several times faster, costing major GCs and resident memory.
 * @module
 */

/** What {@link LiveList.add} returns and {@link LiveList.delete} takes. */
export interface LiveEntry<T> {
  readonly value: T;
}

interface Slot<T> extends LiveEntry<T> {
  index: number;
}

/**
 * Items in an array: `add` appends an entry, `delete(entry)` moves the last entry into its
 * place (O(1), no order kept). A deleted entry leaves no reference behind.
 * @example
 * const live = new LiveList<ServerResponse>();
 * const entry = live.add(res);
 * res.once('close', () => live.delete(entry));
 */
export class LiveList<T> {
  readonly #slots: Slot<T>[] = [];

  get size(): number {
    return this.#slots.length;
  }

  add(value: T): LiveEntry<T> {
    const slot: Slot<T> = { value, index: this.#slots.length };
    this.#slots.push(slot);
    return slot;
  }

  /** Remove an entry; false when it was already removed. */
  delete(entry: LiveEntry<T>): boolean {
    const slot = entry as Slot<T>;
    const slots = this.#slots;
    if (slots[slot.index] !== slot) return false;
    const last = slots.pop()!;
    if (last !== slot) {
      slots[slot.index] = last;
      last.index = slot.index;
    }
    slot.index = -1;
    return true;
  }

  /** The items now, as a new array (safe to delete from the list while walking it). */
  values(): T[] {
    return this.#slots.map((slot) => slot.value);
  }
}
