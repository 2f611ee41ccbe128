import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of every Switchyard API key. */
export const KEY_PREFIX = 'sk-';

/** Bytes of entropy in a generated key: 192 bits, above the 128 the issue asks for. */
const SECRET_BYTES = 24;

// Generated keys are 32 base64url characters after the prefix; config-file keys may be
// shorter, but never so short that guessing becomes practical.
const WELL_FORMED = /^sk-[A-Za-z0-9_-]{20,200}$/;

/**
 * A new API key secret: `sk-` plus 192 random bits, base64url.
 * @example const secret = generateSecret(); // 'sk-3q2-…'
 */
export function generateSecret(): string {
  return KEY_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
}

/** A new public key id (`key_` + 96 random bits, hex). Not a secret. */
export function generateKeyId(): string {
  return 'key_' + randomBytes(12).toString('hex');
}

/**
 * Whether a presented value has the shape of a Switchyard key. Malformed values are rejected
 * before any store lookup.
 * @example isWellFormedSecret('sk-abc') // false
 */
export function isWellFormedSecret(value: string): boolean {
  return WELL_FORMED.test(value);
}

/**
 * The stored form of a secret: hex HMAC-SHA256 under an optional server pepper. Keys carry
 * at least 128 random bits, so a fast keyed hash is enough (no password stretching); the
 * pepper means a leaked database alone does not allow offline checking of guessed keys.
 * @example hashSecret('sk-…', process.env.SWITCHYARD_AUTH_PEPPER ?? '')
 */
export function hashSecret(secret: string, pepper = ''): string {
  if (hmac?.pepper !== pepper) hmac = new PepperedHmac(pepper);
  return hmac.hex(secret);
}

/** SHA-256's block size in bytes: the length of HMAC's pads. */
const BLOCK = 64;
/** Longest secret, in UTF-8 bytes, hashed in the prepared buffer; longer ones take `createHmac`. */
const ROOM = 1024;

/**
 * HMAC-SHA256 (RFC 2104) under one pepper, its pads prepared once: a secret costs two one-shot
 * `hash()` calls. Every request hashes the key it presents, and `createHmac` per call (a stream
 * object and an OpenSSL context each time) cost ~8 µs of a loaded gateway's request; see the
 * package README. The secret is wiped from the buffer as soon as its digest is taken.
 */
class PepperedHmac {
  /** The inner pad (key XOR 0x36), then room for the secret. */
  readonly #inner = Buffer.alloc(BLOCK + ROOM, 0x36);
  /** The outer pad (key XOR 0x5c), then the inner digest. */
  readonly #outer = Buffer.alloc(BLOCK + 32, 0x5c);

  constructor(readonly pepper: string) {
    const raw = Buffer.from(pepper, 'utf8');
    const key = raw.length > BLOCK ? hash('sha256', raw, 'buffer') : raw;
    for (let i = 0; i < key.length; i++) {
      this.#inner[i]! ^= key[i]!;
      this.#outer[i]! ^= key[i]!;
    }
  }

  hex(secret: string): string {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a longer secret might not fit.
    if (secret.length * 3 > ROOM) return createHmac('sha256', this.pepper).update(secret, 'utf8').digest('hex');
    const end = BLOCK + this.#inner.write(secret, BLOCK, 'utf8');
    const innerDigest = hash('sha256', this.#inner.subarray(0, end), 'buffer');
    this.#inner.fill(0, BLOCK, end);
    innerDigest.copy(this.#outer, BLOCK);
    return hash('sha256', this.#outer, 'hex');
  }
}

let hmac: PepperedHmac | undefined;

/**
 * Constant-time comparison of two hex hashes (different lengths compare unequal without
 * leaking where they differ).
 * @example hashesEqual(hashSecret(presented), record.hash)
 */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  if (left.length !== right.length || left.length === 0) {
    timingSafeEqual(left, left); // keep the work similar on the mismatch path
    return false;
  }
  return timingSafeEqual(left, right);
}

/**
 * Non-secret display form of a key: prefix and last four characters.
 * @example keyHint('sk-abcdefgh…wxyz') // 'sk-…wxyz'
 */
export function keyHint(secret: string): string {
  return `${KEY_PREFIX}…${secret.slice(-4)}`;
}

/**
 * Masked form of a provider credential: only the last four characters, and none of a short one.
 * @example credentialHint('sk-proj-abcdef123456') // '…3456'
 */
export function credentialHint(credential: string): string {
  return credential.length >= 12 ? `…${credential.slice(-4)}` : '…';
}

/**
 * The key a request presents: `Authorization: Bearer …` or `x-api-key`. Returns undefined
 * when neither is there.
 */
export function presentedSecret(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1]!.trim();
  }
  const apiKey = headers['x-api-key'];
  return apiKey ? apiKey.trim() : undefined;
}
