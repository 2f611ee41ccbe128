import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createCredentialCipher, parseMasterKey } from './credential-cipher.js';

const master = randomBytes(32);

test('credentials round-trip under AES-256-GCM, with a fresh IV each time', () => {
  const cipher = createCredentialCipher(master.toString('hex'));
  const a = cipher.encrypt('sk-provider-secret-value', 'key_1');
  const b = cipher.encrypt('sk-provider-secret-value', 'key_1');
  assert.notEqual(a, b);
  assert.ok(!a.includes('sk-provider'));
  assert.equal(cipher.decrypt(a, 'key_1'), 'sk-provider-secret-value');
});

test('a ciphertext moved to another key, tampered with, or read under another master key fails', () => {
  const cipher = createCredentialCipher(master.toString('base64'));
  const sealed = cipher.encrypt('secret-credential', 'key_1');
  assert.throws(() => cipher.decrypt(sealed, 'key_2'));
  const parts = sealed.split('.');
  const body = Buffer.from(parts[3]!, 'base64url');
  body[0] = body[0]! ^ 1;
  assert.throws(() => cipher.decrypt([parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'key_1'));
  assert.throws(() => createCredentialCipher(randomBytes(32)).decrypt(sealed, 'key_1'));
});

test('master keys must be 32 bytes, hex or base64, and errors do not echo the value', () => {
  assert.equal(parseMasterKey(master.toString('base64url')).length, 32);
  assert.throws(
    () => parseMasterKey('too-short-secret'),
    (err: Error) => err instanceof TypeError && !err.message.includes('too-short-secret'),
  );
  assert.throws(() => parseMasterKey(randomBytes(16).toString('hex')), TypeError);
});
