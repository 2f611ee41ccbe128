import type { Logger } from '@switchyard/core';
import { mcpOptionsFromConfig, mcpProfiles, type McpProfiles } from '@switchyard/mcp';
import { rateLimitOptionsFromConfig } from '@switchyard/rate-limit';
import type { GatewayConfig } from './config/schema.js';
import type { Switchyard } from './switchyard.js';

/**
 * The gateway's MCP profiles (`mcp:` in the config): callers present a Switchyard key whose
 * policy allows the profile, tool calls count against the key's request rate, revocations close
 * sessions, metrics go to the gateway's registry.
 */
export function gatewayMcp(switchyard: Switchyard, config: GatewayConfig, logger: Logger): McpProfiles {
  const { stack } = switchyard;
  return mcpProfiles({
    ...mcpOptionsFromConfig(config.mcp),
    auth: { keys: stack.keys },
    events: switchyard.events,
    rateLimit: { limiter: stack.limiter, defaultLimits: rateLimitOptionsFromConfig(config.ai_gateway.rate_limits).defaultLimits },
    ...(config.metrics.enabled ? { registry: stack.registry } : {}),
    bodyLimit: config.server.body_limit,
    logger,
  });
}
