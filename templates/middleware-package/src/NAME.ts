import { GatewayError, silentLogger, type ExchangeMiddleware, type Logger } from '@switchyard/core';

/**
 * Options of {@link templateName}. Every field is optional and says its default.
 * TODO: replace the example fields with the piece's own.
 */
export interface TemplateNameOptions {
  /** Response header that names the requested model. Defaults to `x-switchyard-NAME`. */
  header?: string;
  /** Reject a request whose body names no `model` with a 400. Defaults to true. */
  requireModel?: boolean;
  /** Where the piece reports what it did. Defaults to a silent logger. */
  logger?: Logger;
}

interface Config {
  header: string;
  requireModel: boolean;
  logger: Logger;
}

const HEADER_PATTERN = /^[A-Za-z0-9-]+$/;

function resolveOptions(options: TemplateNameOptions): Config {
  if (typeof options !== 'object' || options === null) throw new TypeError('NAME: options must be an object');
  const header = options.header ?? 'x-switchyard-NAME';
  if (typeof header !== 'string' || !HEADER_PATTERN.test(header)) {
    throw new TypeError(`NAME: options.header must be a header name, got ${JSON.stringify(header)}`);
  }
  const requireModel = options.requireModel ?? true;
  if (typeof requireModel !== 'boolean') throw new TypeError('NAME: options.requireModel must be a boolean');
  const logger = options.logger ?? silentLogger;
  if (typeof logger.debug !== 'function') throw new TypeError('NAME: options.logger must be a Logger');
  return { header: header.toLowerCase(), requireModel, logger };
}

/**
 * TODO: what the piece does, in one paragraph. This example rejects a request without a model
 * and names the requested model in a response header.
 *
 * Reads `exchange.requestedModel`; writes `exchange.responseHeaders[header]`.
 *
 * @example
 * import { templateName } from '@switchyard/NAME/koa';
 * app.use(templateName({ header: 'x-model' }));
 */
export function templateName(options: TemplateNameOptions = {}): ExchangeMiddleware {
  const config = resolveOptions(options);
  return async function templateName(exchange, next) {
    if (exchange.requestedModel === '') {
      if (config.requireModel) {
        throw new GatewayError('The request body names no model', { status: 400, code: 'missing_model', param: 'model' });
      }
    } else {
      exchange.responseHeaders[config.header] = exchange.requestedModel;
    }
    config.logger.debug({ requestId: exchange.id, model: exchange.requestedModel }, 'NAME');
    await next();
  };
}
