import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '@switchyard/core';
import { assertTargetsAllowed, filterTargetsByPolicy, mcpPolicyAllows, policyAllows } from './policy.js';

const principal: Principal = { id: 'key_1', name: 'ci', kind: 'key', allowedModels: ['gpt-4o-mini', 'claude-*'], allowedProviders: ['openai', 'anthropic'] };

test('policyAllows checks models (with prefix wildcards) and providers', () => {
  assert.equal(policyAllows(principal, { model: 'gpt-4o-mini' }), true);
  assert.equal(policyAllows(principal, { model: 'claude-3-5-haiku' }), true);
  assert.equal(policyAllows(principal, { model: 'gpt-4o' }), false);
  assert.equal(policyAllows(principal, { provider: 'azure' }), false);
  assert.equal(policyAllows(principal, { model: 'gpt-4o-mini', provider: 'anthropic' }), true);
  assert.equal(policyAllows({ id: 'x', name: 'x', kind: 'app' }, { model: 'anything', provider: 'any' }), true);
  assert.equal(policyAllows(undefined, { model: 'anything' }), true);
});

test('filterTargetsByPolicy drops providers outside the policy; assertTargetsAllowed answers 403 when nothing is left', () => {
  const targets = [
    { provider: 'azure', model: 'gpt-4o-mini' },
    { provider: 'openai', model: 'gpt-4o-mini' },
  ];
  assert.deepEqual(filterTargetsByPolicy(principal, targets), [targets[1]]);
  assert.deepEqual(filterTargetsByPolicy(undefined, targets), targets);
  assert.throws(
    () => assertTargetsAllowed(principal, [targets[0]!]),
    (err: { status?: number; code?: string }) => err.status === 403 && err.code === 'provider_not_allowed',
  );
});

test('mcpPolicyAllows checks MCP profiles, and tools as <profile>/<tool> with prefix wildcards', () => {
  const mcp: Principal = { id: 'key_2', name: 'agent', kind: 'key', allowedMcpProfiles: ['dev'], allowedMcpTools: ['dev/github__*', 'dev/search'] };
  assert.equal(mcpPolicyAllows(mcp, { profile: 'dev' }), true);
  assert.equal(mcpPolicyAllows(mcp, { profile: 'ops' }), false);
  assert.equal(mcpPolicyAllows(mcp, { profile: 'dev', tool: 'github__create_issue' }), true);
  assert.equal(mcpPolicyAllows(mcp, { profile: 'dev', tool: 'search' }), true);
  assert.equal(mcpPolicyAllows(mcp, { profile: 'dev', tool: 'shell__run' }), false);
  assert.equal(mcpPolicyAllows(principal, { profile: 'anything', tool: 'any' }), true);
});
