// Ready-to-paste requests for the dashboard and the playground's "copy as" buttons.

/** The OpenAI base URL (…/v1) and the Anthropic one (without /v1) of this gateway. */
export function endpoints(apiBase) {
  const openai = new URL(apiBase || '/v1', location.href).href.replace(/\/+$/, '');
  return { openai, anthropic: openai.replace(/\/v1$/, '') };
}

const q = (s) => JSON.stringify(s);

export function curlSnippet(base, { key = '$SWITCHYARD_KEY', model = 'MODEL', messages = [{ role: 'user', content: 'Hello!' }], stream = false } = {}) {
  const body = JSON.stringify({ model, messages, ...(stream ? { stream: true } : {}) });
  return `curl ${base.openai}/chat/completions \\\n  -H "Authorization: Bearer ${key}" \\\n  -H "Content-Type: application/json" \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
}

export function openaiSnippet(base, { key, model = 'MODEL', messages = [{ role: 'user', content: 'Hello!' }] } = {}) {
  return `import OpenAI from 'openai';

const client = new OpenAI({ baseURL: ${q(base.openai)}, apiKey: ${key ? q(key) : 'process.env.SWITCHYARD_KEY'} });
const completion = await client.chat.completions.create({
  model: ${q(model)},
  messages: ${JSON.stringify(messages)},
});
console.log(completion.choices[0].message.content);`;
}

export function anthropicSnippet(base, { key, model = 'MODEL', messages = [{ role: 'user', content: 'Hello!' }] } = {}) {
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n');
  const turns = messages.filter((m) => m.role !== 'system');
  return `import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ baseURL: ${q(base.anthropic)}, apiKey: ${key ? q(key) : 'process.env.SWITCHYARD_KEY'} });
const message = await client.messages.create({
  model: ${q(model)},
  max_tokens: 1024,${system ? `\n  system: ${q(system)},` : ''}
  messages: ${JSON.stringify(turns)},
});
console.log(message.content[0].text);`;
}
