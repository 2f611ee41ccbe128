/**
 * The compact o200k counter against gpt-tokenizer's encoder (the reference it replaces): the same
 * count for every text, and a long piece counted without the reference's quadratic merges.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { loadO200kCounter, MAX_PIECE, parseTiktoken } from './o200k.js';

const count = await loadO200kCounter();
const reference = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

/** xorshift32: the same strings on every run. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** What the split pattern and the merges treat differently: cases, scripts, marks, digits, spaces, astral characters, lone surrogates. */
const PALETTE = [
  'abcdefghijklmnopqrstuvwxyz',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  '0123456789',
  ' \t\n\r\u00a0\u3000\u2028',
  '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~',
  "'s't're've'm'll'd'S'T'RE'LL",
  'éèêëàâäôöûüçñÉÈÑßøæœ',
  '\u0301\u0308\u0327\u0903\u093f',
  '日本語中文字漢字東京大阪',
  'ひらがなカタカナー',
  '한국어안녕하세요',
  'مرحبابالعالم',
  'שלוםעולם',
  'नमस्तेदुनिया',
  'สวัสดีชาวโลก',
  'Привет мир',
  '😀👍🏽👨‍👩‍👧🇫🇷❤️\u200d\ufe0f',
  '\ud800\udc00\udfff\ud83d',
  '<|endoftext|><|im_start|>',
].map((group) => [...group]);

function randomText(next: () => number, length: number): string {
  let out = '';
  while (out.length < length) {
    const group = PALETTE[Math.floor(next() * PALETTE.length)];
    const run = 1 + Math.floor(next() * 12);
    for (let i = 0; i < run; i++) out += group[Math.floor(next() * group.length)];
  }
  return out;
}

test('counts like gpt-tokenizer: fixed cases', () => {
  const cases = [
    '',
    'Hello, world!',
    "The quick brown fox. DON'T we'll THEY'RE I'm",
    '  \n\n  x = 1234567;\n\tfoo();\r\n',
    'https://example.com/a/b?c=d&e=f#g',
    '{"role":"user","content":"Hi"}',
    '日本語のテキストです。',
    '😀👍🏽 👨‍👩‍👧',
    'é'.repeat(50),
    '!'.repeat(1000),
    ' '.repeat(300),
    '\n'.repeat(40),
    '1234567890'.repeat(30),
    'a\u0301b\u0308',
    '\ud800x',
    '<|endoftext|> hi <|fim_prefix|>',
  ];
  for (const text of cases) assert.equal(count(text), reference(text), JSON.stringify(text.slice(0, 40)));
});

test('counts like gpt-tokenizer: 3,000 random texts over every script and class the split pattern knows', () => {
  const next = random(0x5eed);
  for (let i = 0; i < 3000; i++) {
    const text = randomText(next, 1 + Math.floor(next() * 200));
    assert.equal(count(text), reference(text), JSON.stringify(text));
  }
});

test('counts like gpt-tokenizer: the recorded exchanges and schemas in test/fixtures', () => {
  const root = new URL('../../../test/fixtures/', import.meta.url);
  let texts = 0;
  const visit = (dir: URL) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(new URL(`${entry.name}/`, dir));
      else {
        const text = readFileSync(new URL(entry.name, dir), 'utf8');
        assert.equal(count(text), reference(text), entry.name);
        texts++;
      }
    }
  };
  visit(root);
  assert.ok(texts > 10, `${texts} fixture files`);
});

test(`a piece up to ${MAX_PIECE} characters is merged whole; a longer one in slices, within a token per slice (the quadratic merge took minutes on 200,000)`, () => {
  const text = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20_000))).join('');
  assert.equal(count(text.slice(0, MAX_PIECE)), reference(text.slice(0, MAX_PIECE)));
  const exact = reference(text.slice(0, 20_000)); // 1.4 s there
  assert.ok(Math.abs(count(text.slice(0, 20_000)) - exact) <= Math.ceil(20_000 / MAX_PIECE), `${count(text.slice(0, 20_000))} against ${exact}`);
  // 200,000 characters (600 KB of UTF-8) in one piece, and a surrogate pair on every slice edge.
  assert.ok(Math.abs(count(text) - 379_910) <= Math.ceil(200_000 / MAX_PIECE));
  const emoji = `!${'\u{1F600}'.repeat(3 * MAX_PIECE)}`; // odd offset: every slice edge falls inside a pair
  assert.equal(count(emoji), reference(emoji));
});

test('parseTiktoken: ranks must follow the line order', () => {
  const tables = parseTiktoken(Buffer.from('YQ== 0\nYg== 1\nYWI= 2\n'));
  assert.deepEqual([...tables.starts], [0, 1, 2, 4]);
  assert.deepEqual([...tables.bytes], [0x61, 0x62, 0x61, 0x62]);
  assert.throws(() => parseTiktoken(Buffer.from('YQ== 0\nYg== 2\n')), /rank 2 on line 2, expected 1/);
});

test('loading builds the tables in steps: other work gets turns in between', async () => {
  let turns = 0;
  let loaded = false;
  const spin = () => {
    turns++;
    if (!loaded) setImmediate(spin);
  };
  setImmediate(spin);
  await loadO200kCounter();
  loaded = true;
  // 200k lines and 200k tokens in steps of 16,384: 24 pauses.
  assert.ok(turns >= 20, `${turns} turns`);
});
