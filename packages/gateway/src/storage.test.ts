import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSwitchyard } from './switchyard.js';

test('createSwitchyard mounted in an app writes no file unless storage.sqlite_path is set', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-mount-'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const switchyard = await createSwitchyard({ config: { ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'] }] } } });
    const key = await switchyard.stack.keys.create({ name: 'in-memory' });
    assert.ok(key.secret.startsWith('sk-'));
    await switchyard.close();
    assert.equal(existsSync(join(dir, '.switchyard')), false);
  } finally {
    process.chdir(cwd);
  }
});
