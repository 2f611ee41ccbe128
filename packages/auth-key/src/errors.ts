import { GatewayError } from '@switchyard/core';

/** The one 401 message for a missing, malformed, unknown or revoked key: nothing to probe. */
export const UNAUTHORIZED_MESSAGE = 'Invalid or missing API key';

/**
 * The 401 every authentication failure answers with, identical in message and code whatever
 * the reason, so a client cannot tell a revoked key from an unknown one.
 * @example throw unauthorized();
 */
export function unauthorized(): GatewayError {
  return new GatewayError(UNAUTHORIZED_MESSAGE, { status: 401, code: 'invalid_api_key' });
}
