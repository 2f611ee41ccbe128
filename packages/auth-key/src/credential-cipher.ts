import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts BYOK provider credentials at rest with AES-256-GCM under a 32-byte master key.
 * The key id is bound as additional authenticated data, so a ciphertext copied onto another
 * key's row fails to decrypt.
 */
export interface CredentialCipher {
  encrypt(plaintext: string, keyId: string): string;
  decrypt(ciphertext: string, keyId: string): string;
}

const VERSION = 'v1';

/**
 * Parse a master key given as 64 hex characters or base64 / base64url of 32 bytes.
 * Throws a TypeError naming the expected shape (never echoing the value).
 * @example parseMasterKey(process.env.SWITCHYARD_AUTH_MASTER_KEY!)
 */
export function parseMasterKey(value: string | Uint8Array): Buffer {
  if (typeof value !== 'string') {
    if (value.length !== 32) throw new TypeError('Master key must be 32 bytes');
    return Buffer.from(value);
  }
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  throw new TypeError('Master key must be 32 bytes, given as 64 hex characters or base64');
}

/**
 * Build the cipher for a master key.
 * @example const cipher = createCredentialCipher(process.env.SWITCHYARD_AUTH_MASTER_KEY!);
 */
export function createCredentialCipher(masterKey: string | Uint8Array): CredentialCipher {
  const key = parseMasterKey(masterKey);
  return {
    encrypt(plaintext, keyId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(keyId, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(ciphertext, keyId) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('Unrecognised credential ciphertext');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(keyId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
