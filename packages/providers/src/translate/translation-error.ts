/**
 * The 400 a translating adapter throws for a field the serving provider cannot carry.
 * @module
 */
import { isGatewayError } from '@switchyard/core';
import { ProviderError } from '../provider-error.js';

/**
 * A {@link ProviderError} of kind `bad_request` (so failover treats it as this target's refusal,
 * never as a provider outage) that names the request field at fault in `param`.
 * @example throw new UntranslatableFieldError('n', 'n > 1 cannot be served by an Anthropic provider', 'claude')
 */
export class UntranslatableFieldError extends ProviderError {
  override readonly param: string;
  override readonly code = 'untranslatable_field';

  constructor(param: string, message: string, provider: string) {
    super(message, { kind: 'bad_request', provider });
    this.name = 'UntranslatableFieldError';
    this.param = param;
  }

  /** Re-throw a translator's 400 (a GatewayError with `param`) as this provider's error; anything else unchanged. */
  static from(error: unknown, provider: string): unknown {
    if (isGatewayError(error) && error.status === 400 && error.code === 'untranslatable_field' && error.param) {
      return new UntranslatableFieldError(error.param, error.message, provider);
    }
    return error;
  }
}
