import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRules, matches, validateRules, type Condition, type RuleFacts } from './rules.js';

const facts: RuleFacts = {
  model: 'gpt-4o-mini',
  headers: { 'x-tier': 'gold' },
  metadata: { team: 'search' },
  key: { id: 'key_1', name: 'prod', metadata: { plan: 'enterprise' } },
  tokens: 1200,
  now: Date.UTC(2025, 0, 6, 22, 30), // a Monday, 22:30 UTC
};

test('every operator matches as documented', () => {
  const cases: Array<[Condition, boolean]> = [
    [{ field: 'model', op: 'eq', value: 'gpt-4o-mini' }, true],
    [{ field: 'model', op: 'ne', value: 'gpt-4o-mini' }, false],
    [{ field: 'header.x-tier', op: 'in', value: ['gold', 'silver'] }, true],
    [{ field: 'header.X-Tier', op: 'nin', value: ['gold'] }, false],
    [{ field: 'tokens', op: 'gt', value: 1200 }, false],
    [{ field: 'tokens', op: 'gte', value: 1200 }, true],
    [{ field: 'tokens', op: 'lt', value: 2000 }, true],
    [{ field: 'tokens', op: 'lte', value: 1199 }, false],
    [{ field: 'model', op: 'regex', value: '^gpt-4o' }, true],
    [{ field: 'metadata.team', op: 'eq', value: 'search' }, true],
    [{ field: 'key', op: 'eq', value: 'key_1' }, true],
    [{ field: 'key.metadata.plan', op: 'eq', value: 'enterprise' }, true],
    [{ field: 'time.hour', op: 'gte', value: 22 }, true],
    [{ field: 'time.weekday', op: 'eq', value: 1 }, true],
    [{ field: 'metadata.missing', op: 'eq', value: 'x' }, false],
    [{ field: 'metadata.missing', op: 'ne', value: 'x' }, true],
    [{ field: 'metadata.missing', op: 'gt', value: 0 }, false],
    [
      {
        and: [
          { field: 'model', op: 'regex', value: 'mini' },
          { field: 'tokens', op: 'lt', value: 10 },
        ],
      },
      false,
    ],
    [
      {
        or: [
          { field: 'model', op: 'regex', value: 'mini' },
          { field: 'tokens', op: 'lt', value: 10 },
        ],
      },
      true,
    ],
    [
      {
        op: 'and',
        conditions: [
          { field: 'header.x-tier', op: 'eq', value: 'gold' },
          { field: 'key.name', op: 'eq', value: 'prod' },
        ],
      },
      true,
    ],
  ];
  for (const [condition, expected] of cases) assert.equal(matches(condition, facts), expected, JSON.stringify(condition));
});

test('the first matching rule wins; a rule with unusable targets is skipped; the default catches the rest', () => {
  const rules = validateRules([
    { name: 'big', when: { field: 'tokens', op: 'gt', value: 100_000 }, targets: ['anthropic'] },
    { name: 'gold-eu', when: { field: 'header.x-tier', op: 'eq', value: 'gold' }, targets: ['azure-eu'] },
    { name: 'gold', when: { field: 'header.x-tier', op: 'eq', value: 'gold' }, strategy: 'latency' },
    { name: 'all', when: { field: 'model', op: 'regex', value: '.' }, strategy: 'cost' },
  ]);
  const decision = evaluateRules(rules, facts, (targets) => !targets.includes('azure-eu'));
  assert.deepEqual(decision, { rule: 'gold', targets: undefined, strategy: 'latency' });
  assert.equal(evaluateRules(rules.slice(0, 1), facts, () => true, { strategy: 'weighted' })?.rule, 'default');
  assert.equal(evaluateRules(rules.slice(0, 1), facts), undefined);
});

test('rule validation names the bad field', () => {
  assert.throws(() => validateRules([{ when: { field: 'model', op: 'like', value: 'x' }, strategy: 'cost' }]), /rules\[0\]\.when\.op/);
  assert.throws(() => validateRules([{ when: { field: 'model', op: 'regex', value: '(' }, strategy: 'cost' }]), /rules\[0\]\.when\.value/);
  assert.throws(() => validateRules([{ when: { field: 'tokens', op: 'gt', value: '5' }, strategy: 'cost' }]), /must be a number/);
  assert.throws(() => validateRules([{ when: { field: 'model', op: 'eq', value: 'x' } }]), /needs targets or a strategy/);
  assert.throws(() => validateRules([{ when: { and: [{ field: 'model', op: 'in', value: 'x' }] }, strategy: 'cost' }]), /rules\[0\]\.when\.and\[0\]\.value/);
  assert.throws(() => validateRules([{ when: { field: 'model', op: 'eq' }, strategy: 'rules' }]), /rules\[0\]\.strategy/);
});
