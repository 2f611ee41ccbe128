/**
 * Counts the tokens of OpenAI's o200k byte-pair encoding from compact tables: the 199,998
 * tokens' bytes in one buffer and an open-addressing hash table over them (4.3 MB), built from the
 * `.tiktoken` file gpt-tokenizer ships. gpt-tokenizer's own encoder keeps a Map of 200k strings
 * and a merge cache (20 MB of heap, 65 MB of RSS once loaded, 180 ms to evaluate its table
 * module), and its merge loop is quadratic or worse in the length of a piece: 20,000 CJK
 * characters in one message took 1.4 s of the event loop, 60,000 about 11 s. Here a piece's
 * merges go through a binary heap: O(n log n), the same merges in the same order (lowest rank
 * first, leftmost on ties), hence the same counts (`o200k.test.ts` compares both), and a piece
 * longer than {@link MAX_PIECE} characters (not text) is counted in slices.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';

/** Token bytes and the hash table over them; a token's id is its rank (the file's line order). */
interface Tables {
  /** Every token's bytes, back to back. */
  bytes: Uint8Array;
  /** Token `t` is `bytes[starts[t] .. starts[t + 1])`. */
  starts: Uint32Array;
  /** Slot -> token id + 1 (0: empty); a power of two in size. */
  slots: Int32Array;
}

const BASE64 = new Int8Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[c.charCodeAt(0)] = i;

/** FNV-1a over `bytes[start .. end)`. */
function hash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** Lines parsed, or tokens hashed, between two pauses of {@link tiktokenSteps} (~2 ms of work). */
const STEP = 16_384;

/**
 * Parses a `.tiktoken` file (one `<base64 token> <rank>` per line, ranks 0, 1, 2, … in order)
 * into {@link Tables}.
 */
export function parseTiktoken(file: Uint8Array): Tables {
  const steps = tiktokenSteps(file);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link parseTiktoken} in steps: it pauses every {@link STEP} lines or tokens, so a loader can
 * give the event loop a turn between them (the whole is 20-35 ms of one thread).
 */
function* tiktokenSteps(file: Uint8Array): Generator<void, Tables> {
  const bytes = new Uint8Array(Math.ceil((file.length * 3) / 4));
  const starts: number[] = [0];
  let out = 0;
  let i = 0;
  while (i < file.length) {
    // The base64 token, up to the space.
    let bits = 0;
    let count = 0;
    for (; i < file.length && file[i] !== 0x20 && file[i] !== 0x0a; i++) {
      const v = BASE64[file[i]];
      if (v < 0) continue; // '=' padding
      bits = (bits << 6) | v;
      count += 6;
      if (count >= 8) {
        count -= 8;
        bytes[out++] = (bits >> count) & 0xff;
      }
    }
    // The rank, which the line order already gives (checked).
    let rank = 0;
    for (i++; i < file.length && file[i] !== 0x0a; i++) rank = rank * 10 + file[i] - 0x30;
    i++;
    if (rank !== starts.length - 1) throw new Error(`o200k: rank ${rank} on line ${starts.length}, expected ${starts.length - 1}`);
    starts.push(out);
    if (starts.length % STEP === 0) yield;
  }
  const tokens = starts.length - 1;
  let size = 1;
  while (size < tokens * 2) size <<= 1;
  const tables: Tables = { bytes: bytes.slice(0, out), starts: Uint32Array.from(starts), slots: new Int32Array(size) };
  for (let t = 0; t < tokens; t++) {
    let slot = hash(tables.bytes, tables.starts[t], tables.starts[t + 1]) & (size - 1);
    while (tables.slots[slot] !== 0) slot = (slot + 1) & (size - 1);
    tables.slots[slot] = t + 1;
    if (t % STEP === STEP - 1) yield;
  }
  return tables;
}

/** The rank of the token whose bytes are `piece[start .. end)`, or -1. */
function rankOf(t: Tables, piece: Uint8Array, start: number, end: number): number {
  const mask = t.slots.length - 1;
  const length = end - start;
  for (let slot = hash(piece, start, end) & mask; ; slot = (slot + 1) & mask) {
    const id = t.slots[slot] - 1;
    if (id < 0) return -1;
    const at = t.starts[id];
    if (t.starts[id + 1] - at !== length) continue;
    let same = true;
    for (let k = 0; k < length && same; k++) same = t.bytes[at + k] === piece[start + k];
    if (same) return id;
  }
}

/**
 * Longest piece merged whole, in UTF-16 code units (12 KB of UTF-8 at most). The split pattern cuts
 * text into words, numbers, punctuation and space runs; one longer than this is not text (a
 * single "word" of thousands of characters) and is counted in slices of this length, which can
 * differ from the exact count by a token per slice. It bounds the merge's arrays (about 350 KB,
 * allocated once): merged whole, a 10 MB piece needed ~28 bytes of arrays per byte.
 */
export const MAX_PIECE = 4096;

/** Scratch arrays for one piece's merges, sized for {@link MAX_PIECE} and reused. */
class Scratch {
  piece = new Uint8Array(MAX_PIECE * 3);
  /** Part boundaries as a doubly linked list over byte positions; -1 ends it. */
  next = new Int32Array(MAX_PIECE * 3 + 1);
  prev = new Int32Array(MAX_PIECE * 3 + 1);
  /** Rank of the pair starting at a boundary (-1: none, or the boundary was merged away). */
  pair = new Int32Array(MAX_PIECE * 3 + 1);
  /**
   * Binary min-heap of rank * 2^32 + position: lowest rank first, then leftmost. Stale entries
   * stay until popped; a merge queues at most two, so it never holds more than twice the bytes.
   */
  heap = new Float64Array(MAX_PIECE * 6 + 2);
}

const SHIFT = 2 ** 32;
const encoder = new TextEncoder();

/** A counter over `tables`: the pieces o200k's split pattern cuts, each merged byte pair by byte pair. */
export function o200kCounter(tables: Tables): (text: string) => number {
  const s = new Scratch();
  let heapSize = 0;

  const push = (key: number): void => {
    const h = s.heap;
    let i = heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent] <= key) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = key;
  };
  const pop = (): number => {
    const h = s.heap;
    const top = h[0];
    const last = h[--heapSize];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heapSize) break;
      if (child + 1 < heapSize && h[child + 1] < h[child]) child++;
      if (h[child] >= last) break;
      h[i] = h[child];
      i = child;
    }
    h[i] = last;
    return top;
  };
  /** Rank of the pair at boundary `i` (its part and the next), queued; -1 when none. */
  const rankPair = (i: number): void => {
    const mid = s.next[i];
    const end = mid < 0 ? -1 : s.next[mid];
    const rank = end < 0 ? -1 : rankOf(tables, s.piece, i, end);
    s.pair[i] = rank;
    if (rank >= 0) push(rank * SHIFT + i);
  };

  /** Tokens in one piece of `length` bytes (in `s.piece`). */
  const merge = (length: number): number => {
    if (length === 1 || rankOf(tables, s.piece, 0, length) >= 0) return 1;
    for (let i = 0; i <= length; i++) {
      s.next[i] = i < length ? i + 1 : -1;
      s.prev[i] = i - 1;
    }
    heapSize = 0;
    for (let i = 0; i < length - 1; i++) rankPair(i);
    let parts = length;
    while (heapSize > 0) {
      const key = pop();
      const i = key % SHIFT;
      const rank = (key - i) / SHIFT;
      // Stale: the boundary was merged away, or its pair changed since it was queued.
      if (s.pair[i] !== rank) continue;
      // Merge the part at i with the next one: drop the boundary between them.
      const gone = s.next[i];
      const after = s.next[gone];
      s.next[i] = after;
      if (after >= 0) s.prev[after] = i;
      s.pair[gone] = -1;
      parts--;
      rankPair(i);
      if (s.prev[i] >= 0) rankPair(s.prev[i]);
    }
    return parts;
  };

  /** Tokens in `piece` (at most {@link MAX_PIECE} code units). */
  const count = (piece: string): number => {
    let length = 0;
    // ASCII without TextEncoder (most pieces); anything else through it.
    for (; length < piece.length; length++) {
      const c = piece.charCodeAt(length);
      if (c > 0x7f) break;
      s.piece[length] = c;
    }
    if (length < piece.length) length = encoder.encodeInto(piece, s.piece).written;
    return merge(length);
  };

  return (text) => {
    let tokens = 0;
    for (const match of text.matchAll(O200K_TOKEN_SPLIT_REGEX)) {
      const piece = match[0];
      if (piece.length <= MAX_PIECE) {
        tokens += count(piece);
        continue;
      }
      for (let start = 0; start < piece.length;) {
        let end = Math.min(piece.length, start + MAX_PIECE);
        // Never between the two halves of a surrogate pair.
        const last = piece.charCodeAt(end - 1);
        if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end--;
        tokens += count(piece.slice(start, end));
        start = end;
      }
    }
    return tokens;
  };
}

/**
 * Loads the o200k tables from gpt-tokenizer's `data/o200k_base.tiktoken` and returns a counter.
 * The tables are built a few milliseconds at a time, other work running between.
 */
export async function loadO200kCounter(): Promise<(text: string) => number> {
  const file = await readFile(createRequire(import.meta.url).resolve('gpt-tokenizer/data/o200k_base.tiktoken'));
  const steps = tiktokenSteps(file);
  for (;;) {
    const step = steps.next();
    if (step.done) return o200kCounter(step.value);
    await setImmediate();
  }
}
