import type { Capabilities } from './config.js';

/**
 * Capabilities guessed from a provider type and model name, for models the config does not
 * describe. Deliberately conservative for vision and JSON schema on models the price table
 * knows (a wrong "yes" sends a request to a model that rejects it). For a model it does not
 * know (`known: false`: a custom or newer model), a "no" from the name is only a guess, so
 * tools, vision, JSON schema and prefill are unknown (`null`) unless the name says yes. The
 * config and the admin API override every flag.
 * @example defaultCapabilities('anthropic', 'claude-3-haiku-20240307').vision // true
 * @example defaultCapabilities('openai', 'my-finetune', { known: false }).vision // null
 */
export function defaultCapabilities(providerType: string, model: string, options: { known?: boolean } = {}): Capabilities {
  const guess = guessCapabilities(providerType, model);
  if (options.known !== false) return guess;
  const unknownUnlessYes = (v: boolean | null) => (v ? true : guess.embeddings ? false : null);
  return {
    ...guess,
    tools: unknownUnlessYes(guess.tools),
    vision: unknownUnlessYes(guess.vision),
    jsonSchema: unknownUnlessYes(guess.jsonSchema),
    prefill: unknownUnlessYes(guess.prefill),
  };
}

function guessCapabilities(providerType: string, model: string): Capabilities {
  const m = model.toLowerCase();
  const embeddings = /embed/.test(m);
  const openaiModern = /^(gpt-4o|gpt-4\.1|gpt-5|o[134](-|$)|chatgpt-4o)/.test(m);
  const claude3plus = /^claude-(3|sonnet|opus|haiku|[4-9])/.test(m);
  const gemini15plus = /^gemini-([1-9]\.[5-9]|[2-9])/.test(m);
  const vision = openaiModern || claude3plus || gemini15plus || /^gpt-4-turbo(?!-preview)/.test(m) || /vision|-vl|pixtral|llava/.test(m);
  const jsonSchema = openaiModern || gemini15plus || /^claude-(sonnet|opus|haiku)-4-[5-9]/.test(m);
  const reasoning = /^(o[134](-|$)|gpt-5)/.test(m) || /^claude-(3-7|sonnet-4|opus-4|haiku-4|[4-9])/.test(m) || /reason|r1|thinking|gemini-2\.5/.test(m);
  return {
    chat: !embeddings,
    tools: !embeddings && !/^gpt-3\.5-turbo-instruct|^(ada|babbage|davinci)/.test(m),
    vision: !embeddings && vision,
    jsonSchema: !embeddings && jsonSchema,
    embeddings,
    reasoning: !embeddings && reasoning,
    prefill: !embeddings && (providerType === 'anthropic' || /^claude/.test(m)),
  };
}
