import { html } from '../lib/html.js';

/** The per-key limits, in the admin API's wire names, with their labels. */
export const LIMITS = [
  ['total_tokens_per_hour', 'Total tokens per hour', 'totalTokens'],
  ['input_tokens_per_hour', 'Input tokens per hour', 'inputTokens'],
  ['output_tokens_per_hour', 'Output tokens per hour', 'outputTokens'],
  ['requests_per_minute', 'Requests per minute', 'requests'],
  ['concurrent_requests', 'Concurrent requests', 'concurrent'],
];

/** Read the limit inputs of a form into `{ name: number | null }` (empty means no limit). */
export function readLimits(form) {
  const limits = {};
  for (const [name] of LIMITS) {
    const raw = form.elements.namedItem(name)?.value.trim();
    limits[name] = raw ? Number(raw) : null;
  }
  return limits;
}

export function LimitsFields({ values = {}, only }) {
  return html`<div class="grid-fields">
    ${LIMITS.filter(([name]) => !only || only.includes(name)).map(
      ([name, label]) =>
        html`<label>${label}<input name=${name} type="number" min="1" step="1" inputmode="numeric" placeholder="No limit" defaultValue=${values[name] ?? ''} /></label>`,
    )}
  </div>`;
}
