import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from './errors.js';
import { answerRoute, matchRoute, type Route } from './route-table.js';

const routes: Route[] = [
  { method: 'GET', path: '/v1/providers/health', handler: () => ({ status: 200, body: { ok: true } }) },
  { method: 'GET', path: '/v1/providers/:name', handler: (req) => ({ status: 200, body: { name: req.params.name } }) },
  {
    method: 'POST',
    path: '/v1/costs/analyze',
    handler: () => {
      throw new GatewayError('nope', { status: 403, code: 'model_not_allowed' });
    },
  },
];

test('matchRoute: exact paths, :params decoded, HEAD as GET, method and malformed escapes respected', () => {
  assert.equal(matchRoute(routes, 'GET', '/v1/providers/health')?.route, routes[0]);
  assert.deepEqual(matchRoute(routes, 'HEAD', '/v1/providers/a%2Fb')?.params, { name: 'a/b' });
  assert.equal(matchRoute(routes, 'POST', '/v1/providers/health'), undefined);
  assert.equal(matchRoute(routes, 'GET', '/v1/providers/%zz'), undefined);
  assert.equal(matchRoute(routes, 'GET', '/v1/providers/health/extra'), undefined);
});

test('answerRoute: a thrown error is answered in the client format', async () => {
  const input = (headers: Record<string, string>) => ({
    route: routes[2]!,
    params: {},
    path: '/v1/costs/analyze',
    search: '',
    req: { method: 'POST', headers } as never,
    parsedBody: undefined,
    context: undefined,
  });
  const openai = await answerRoute(input({}));
  assert.equal(openai.status, 403);
  assert.deepEqual((openai as { body: any }).body.error.code, 'model_not_allowed');
  const anthropic = await answerRoute(input({ 'anthropic-version': '2023-06-01' }));
  assert.equal((anthropic as { body: any }).body.type, 'error');
  assert.equal((anthropic as { body: any }).body.error.type, 'permission_error');
});
