import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialHint, generateKeyId, generateSecret, hashesEqual, hashSecret, isWellFormedSecret, keyHint, presentedSecret } from './secret.js';

test('generated keys are sk- plus at least 128 random bits, all distinct', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const secret = generateSecret();
    assert.match(secret, /^sk-[A-Za-z0-9_-]+$/);
    assert.ok(Buffer.from(secret.slice(3), 'base64url').length * 8 >= 128);
    assert.ok(isWellFormedSecret(secret));
    seen.add(secret);
  }
  assert.equal(seen.size, 200);
  assert.match(generateKeyId(), /^key_[0-9a-f]{24}$/);
});

test('hash is HMAC-SHA256 hex, changes with the pepper, never contains the secret', () => {
  const secret = generateSecret();
  const plain = hashSecret(secret);
  assert.match(plain, /^[0-9a-f]{64}$/);
  assert.equal(hashSecret(secret), plain);
  assert.notEqual(hashSecret(secret, 'pepper'), plain);
  assert.ok(!plain.includes(secret.slice(3)));
});

test('hashesEqual compares exactly, including unequal lengths and empty input', () => {
  const a = hashSecret('sk-aaaaaaaaaaaaaaaaaaaaaaaa');
  assert.equal(hashesEqual(a, a), true);
  const firstByte = (a[0] === '0' ? '1' : '0') + a.slice(1);
  const lastByte = a.slice(0, -1) + (a.endsWith('0') ? '1' : '0');
  assert.equal(hashesEqual(a, firstByte), false);
  assert.equal(hashesEqual(a, lastByte), false);
  assert.equal(hashesEqual(a, a.slice(0, 32)), false);
  assert.equal(hashesEqual('', ''), false);
});

test('malformed keys are recognised before any lookup', () => {
  for (const bad of ['', 'sk-', 'sk-short', 'pk-aaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'sk-aaaaaaaaaaaaaaaaaaaaaa aa', 'sk-' + 'a'.repeat(300)]) {
    assert.equal(isWellFormedSecret(bad), false, bad);
  }
});

test('the key is read from Authorization: Bearer or x-api-key', () => {
  assert.equal(presentedSecret({ authorization: 'Bearer sk-abc' }), 'sk-abc');
  assert.equal(presentedSecret({ authorization: 'bearer   sk-abc ' }), 'sk-abc');
  assert.equal(presentedSecret({ 'x-api-key': 'sk-xyz' }), 'sk-xyz');
  assert.equal(presentedSecret({ authorization: 'Basic Zm9v', 'x-api-key': 'sk-xyz' }), 'sk-xyz');
  assert.equal(presentedSecret({}), undefined);
});

test('hints show at most the last four characters', () => {
  assert.equal(keyHint('sk-abcdefghijklmnopqrstuvwxyz'), 'sk-…wxyz');
  assert.equal(credentialHint('sk-proj-abcdef123456'), '…3456');
  assert.equal(credentialHint('short'), '…');
});
