import type { Route } from '@switchyard/core';
import type { McpProfiles } from './mcp.js';
import type { ProfileView } from './profile-runtime.js';

/** The wire (snake_case) form of a profile. */
function wire(profile: ProfileView) {
  return {
    name: profile.name,
    description: profile.description ?? null,
    sessions: profile.sessions,
    members: profile.members.map((m) => ({
      name: m.name,
      transport: m.transport,
      target: m.target,
      status: m.status,
      breaker: m.breaker,
      last_error: m.lastError ?? null,
      last_ok_at: m.lastOkAt !== undefined ? new Date(m.lastOkAt).toISOString() : null,
      last_failure_at: m.lastFailureAt !== undefined ? new Date(m.lastFailureAt).toISOString() : null,
    })),
  };
}

const notFound = (name: string) => ({
  status: 404,
  body: { error: { message: `Unknown MCP profile "${name}"`, type: 'invalid_request_error', code: 'not_found' } },
});

/**
 * Admin routes of the MCP profiles: `GET /mcp/profiles` (every profile, its members and their
 * health), `GET /mcp/profiles/:name`, and `POST /mcp/profiles/:name/probe` (contact every
 * member now). Mount them behind your own admin auth.
 *
 * @example app.use(koaRoutes(mcpAdminRoutes(mcp), { prefix: '/admin' })); // koaRoutes from '@switchyard/core/koa'
 */
export function mcpAdminRoutes(mcp: McpProfiles): Route[] {
  return [
    { method: 'GET', path: '/mcp/profiles', handler: async () => ({ status: 200, body: { profiles: mcp.list().map(wire) } }) },
    {
      method: 'GET',
      path: '/mcp/profiles/:name',
      async handler({ params }) {
        const profile = mcp.get(params.name!);
        return profile ? { status: 200, body: wire(profile) } : notFound(params.name!);
      },
    },
    {
      method: 'POST',
      path: '/mcp/profiles/:name/probe',
      async handler({ params }) {
        const profile = await mcp.probe(params.name!);
        return profile ? { status: 200, body: wire(profile) } : notFound(params.name!);
      },
    },
  ];
}
