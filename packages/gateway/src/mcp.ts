import type { Logger, Route } from '@switchyard/core';
import type { McpProfiles } from '@switchyard/mcp';
import { mcpOptionsFromConfig } from '@switchyard/mcp/config';
import { rateLimitOptionsFromConfig } from '@switchyard/rate-limit';
import type { GatewayConfig } from './config/schema.js';
import type { Switchyard } from './switchyard.js';

/**
 * The gateway's MCP profiles (`mcp:` in the config): callers present a Switchyard key whose
 * policy allows the profile, tool calls count against the key's request rate, revocations close
 * sessions, metrics go to the gateway's registry. The MCP runtime (its SDK and schemas, ~15 MB
 * of heap) is imported only here, when `mcp.enabled`: a gateway without MCP never loads it.
 */
export async function gatewayMcp(switchyard: Switchyard, config: GatewayConfig, logger: Logger): Promise<{ profiles: McpProfiles; adminRoutes: Route[] }> {
  const { stack } = switchyard;
  const { mcpAdminRoutes, mcpProfiles } = await import('@switchyard/mcp');
  const profiles = mcpProfiles({
    ...mcpOptionsFromConfig(config.mcp),
    auth: { keys: stack.keys },
    events: switchyard.events,
    rateLimit: { limiter: stack.limiter, defaultLimits: rateLimitOptionsFromConfig(config.ai_gateway.rate_limits).defaultLimits },
    ...(config.metrics.enabled ? { registry: stack.registry } : {}),
    bodyLimit: config.server.body_limit,
    logger,
  });
  return { profiles, adminRoutes: mcpAdminRoutes(profiles) };
}
