import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUnderPath } from './admin-routing.js';

test('isUnderPath sees every spelling of a prefix a lenient router could resolve', () => {
  for (const path of [
    '/admin',
    '/admin/keys',
    '/ADMIN/keys',
    '/aDmin',
    '/%61dmin/keys',
    '/%2561dmin/keys',
    '//admin//keys',
    '/admin/',
    '/Admin%2Fkeys',
    '/%41DMIN/keys%ZZ',
  ]) {
    assert.equal(isUnderPath(path, '/admin'), true, path);
  }
  for (const path of ['/', '/administrator', '/v1/admin', '/adm', '/%ZZadmin', '/admin-panel/keys']) {
    assert.equal(isUnderPath(path, '/admin'), false, path);
  }
});
