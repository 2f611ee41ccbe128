import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
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

test('hash is the RFC 2104 HMAC for any pepper and secret length, one pepper after another', () => {
  // Known answer: RFC 4231 test case 2 (key "Jefe").
  assert.equal(hashSecret('what do ya want for nothing?', 'Jefe'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  // Peppers around the 64-byte block (a longer one is hashed first), secrets up to past the prepared room.
  const peppers = ['', 'p', 'é-pepper', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65), 'ü'.repeat(100)];
  const secrets = ['', 'sk-a', generateSecret(), 'sk-' + 'é'.repeat(200), 'sk-' + 'a'.repeat(340), 'sk-' + 'b'.repeat(341), 'sk-' + '日'.repeat(600)];
  for (const pepper of peppers) {
    for (const secret of secrets) {
      const expected = createHmac('sha256', pepper).update(secret, 'utf8').digest('hex');
      assert.equal(hashSecret(secret, pepper), expected, `pepper of ${pepper.length}, secret of ${secret.length}`);
    }
  }
  // A shorter secret after a longer one: nothing of the longer one is left in the hash.
  const long = 'sk-' + 'q'.repeat(300);
  hashSecret(long, 'p');
  assert.equal(hashSecret('sk-q', 'p'), createHmac('sha256', 'p').update('sk-q').digest('hex'));
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
