import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerKey, canonicalJson, chooseMethod, groupBySimilarity, normaliseText, readAnswer, tally } from './agreement.js';
import { consensusHeader } from './header.js';

test('normalised text ignores case, surrounding and repeated whitespace, and trailing punctuation', () => {
  assert.equal(normaliseText('  The answer is\n\tPARIS!! '), 'the answer is paris');
  assert.equal(normaliseText('Paris.'), normaliseText('paris'));
  assert.notEqual(normaliseText('Paris, France'), normaliseText('Paris'));
});

test('JSON deep equality: key order is irrelevant, values and array order are not', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, 2], c: null } }), canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }));
  assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
  const tool = (args: string) =>
    readAnswer(
      'openai.chat',
      JSON.stringify({ choices: [{ message: { content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: args } }] } }] }),
    );
  assert.equal(answerKey(tool('{"a":1,"b":{"y":2,"x":1}}'), 'json'), answerKey(tool('{"b":{"x":1,"y":2},"a":1}'), 'json'));
  assert.notEqual(answerKey(tool('{"a":1}'), 'json'), answerKey(tool('{"a":2}'), 'json'));
  // Structured output in the text: a fenced block and a bare one agree.
  const text = (t: string) => ({ text: t, tools: [] });
  assert.equal(answerKey(text('```json\n{"x": 1, "y": 2}\n```'), 'json'), answerKey(text('{"y":2,"x":1}'), 'json'));
  assert.equal(
    readAnswer('anthropic.messages', JSON.stringify({ content: [{ type: 'tool_use', id: 't', name: 'f', input: { b: 1, a: 2 } }] })).tools[0]!.name,
    'f',
  );
});

test('auto chooses json for tools or JSON output, normalised for short answers, embedding or judge for long ones when configured', () => {
  const short = [{ text: 'Paris', tools: [] }];
  const long = [{ text: 'x'.repeat(500), tools: [] }];
  assert.equal(chooseMethod([{ text: '', tools: [{ name: 'f', arguments: {} }] }], {}, 280, { embedding: true, judge: true }), 'json');
  assert.equal(chooseMethod(short, { response_format: { type: 'json_object' } }, 280, { embedding: false, judge: false }), 'json');
  const both = { embedding: true, judge: true };
  const none = { embedding: false, judge: false };
  assert.equal(chooseMethod(short, {}, 280, both), 'normalised');
  assert.equal(chooseMethod(long, {}, 280, both), 'embedding');
  assert.equal(chooseMethod(long, {}, 280, { embedding: false, judge: true }), 'judge');
  assert.equal(chooseMethod(long, {}, 280, none), 'normalised');
});

test('the largest group wins, a tie goes to the earliest answer; similarity groups by cosine', () => {
  assert.deepEqual(tally([0, 1, 1]), { chosen: 1, votes: 2, answered: 3, groups: [0, 1, 1] });
  assert.equal(tally([0, 1]).chosen, 0);
  assert.deepEqual(
    groupBySimilarity(
      [
        [1, 0],
        [0, 1],
        [0.99, 0.1],
      ],
      0.9,
    ),
    [0, 1, 0],
  );
});

test('the header: agreement, votes, Wilson 95% interval, method, failures, quorum', () => {
  assert.equal(
    consensusHeader({ votes: 2, answered: 3, failed: 0, method: 'normalised', quorumMet: true }),
    'agreement=0.67; votes=2/3; ci95=0.21-0.94; method=normalised; failed=0',
  );
  assert.equal(
    consensusHeader({ votes: 5, answered: 5, failed: 1, method: 'json', quorumMet: true }),
    'agreement=1.00; votes=5/5; ci95=0.57-1.00; method=json; failed=1',
  );
  assert.equal(
    consensusHeader({ votes: 1, answered: 1, failed: 2, method: 'exact', quorumMet: false }),
    'agreement=1.00; votes=1/1; ci95=0.21-1.00; method=exact; failed=2; quorum=unmet',
  );
});
