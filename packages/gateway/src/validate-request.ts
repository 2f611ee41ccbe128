import { clip, GatewayError, modelNameProblem, type ClientFormat, type ExchangeMiddleware } from '@switchyard/core';

function invalid(message: string, param: string): GatewayError {
  return new GatewayError(message, { status: 400, code: 'invalid_request', param });
}

function requireModel(body: Record<string, unknown>): void {
  if (typeof body.model !== 'string' || body.model.trim() === '') throw invalid('`model` is required and must be a non-empty string', 'model');
  // Before anything is called: the name goes into headers, logs and metric labels.
  const problem = modelNameProblem(body.model);
  if (problem) throw invalid(`\`model\` ${problem}`, 'model');
}

interface Visit {
  value: unknown;
  key: string | number;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): string {
  let path = '';
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) path = typeof v.key === 'number' ? `[${v.key}]${path}` : `.${v.key}${path}`;
  return path.slice(path.startsWith('.') ? 1 : 0);
}

/**
 * JSON has no Infinity or NaN, but `1e999` parses to Infinity and would reach the upstream as
 * `null`: reject it, naming the field. Iterative, so a deeply nested body cannot overflow.
 */
function rejectNonFinite(body: Record<string, unknown>): void {
  const stack: Visit[] = [{ value: body, key: '', parent: undefined }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        const field = clip(pathOf(visit), 200);
        throw invalid(`\`${field}\` must be a finite number`, field);
      }
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        if (typeof value[i] === 'object' || typeof value[i] === 'number') stack.push({ value: value[i], key: i, parent: visit });
    } else if (value !== null && typeof value === 'object') {
      for (const key in value) {
        const v = (value as Record<string, unknown>)[key];
        if (typeof v === 'object' || typeof v === 'number') stack.push({ value: v, key, parent: visit });
      }
    }
  }
}

function requireMessages(body: Record<string, unknown>): void {
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('`messages` must be a non-empty array', 'messages');
  messages.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(`\`messages[${i}]\` must be an object`, `messages[${i}]`);
    if (typeof (m as { role?: unknown }).role !== 'string') throw invalid(`\`messages[${i}].role\` must be a string`, `messages[${i}].role`);
  });
}

function optionalType(body: Record<string, unknown>, field: string, type: 'boolean' | 'number' | 'object'): void {
  const v = body[field];
  if (v === undefined || v === null) return;
  if (typeof v !== type || (type === 'object' && Array.isArray(v))) throw invalid(`\`${field}\` must be a ${type}`, field);
}

function positiveInteger(body: Record<string, unknown>, field: string, required: boolean): void {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw invalid(`\`${field}\` is required`, field);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid(`\`${field}\` must be a positive integer`, field);
}

const CHECKS: Record<ClientFormat, (body: Record<string, unknown>) => void> = {
  'openai.chat'(body) {
    requireModel(body);
    requireMessages(body);
    optionalType(body, 'stream', 'boolean');
    optionalType(body, 'stream_options', 'object');
    positiveInteger(body, 'max_tokens', false);
    positiveInteger(body, 'max_completion_tokens', false);
    optionalType(body, 'temperature', 'number');
  },
  'anthropic.messages'(body) {
    requireModel(body);
    requireMessages(body);
    optionalType(body, 'stream', 'boolean');
    positiveInteger(body, 'max_tokens', true);
    optionalType(body, 'temperature', 'number');
  },
  'anthropic.count_tokens'(body) {
    requireModel(body);
    requireMessages(body);
  },
  'openai.embeddings'(body) {
    requireModel(body);
    const { input } = body;
    if (typeof input !== 'string' && !(Array.isArray(input) && input.length > 0)) {
      throw invalid('`input` must be a string or a non-empty array', 'input');
    }
  },
};

/**
 * Reject request bodies of the wrong shape with a 400 naming the field, in the client's
 * format: a model name that is too long or has unsafe characters, numbers that are not finite
 * (`1e999`) anywhere in the body. Only what routing needs is checked; everything else is the
 * provider's to judge (and unknown fields pass through untouched).
 */
export function validateRequest(): ExchangeMiddleware {
  return async function validateRequest(exchange, next) {
    CHECKS[exchange.format](exchange.body);
    rejectNonFinite(exchange.body);
    await next();
  };
}
