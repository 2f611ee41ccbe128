import { html } from '../lib/html.js';
import { fmtMs, fmtTime, fmtUsd, tokensOf } from '../lib/format.js';
import { Badge } from './bits.js';

/** The path a request took: each attempt's target and whether it served (`a ✕ → b ✓`). */
export function FallbackPath({ attempts }) {
  if (!attempts?.length) return html`<span class="muted">no attempt</span>`;
  return html`<span class="path">${attempts.map(
    (a, i) =>
      html`${i ? html`<span aria-hidden="true"> → </span>` : null}<span class=${a.outcome === 'success' ? 'ok' : 'bad'}>${a.provider}/${a.model} ${a.outcome === 'success' ? '✓' : '✕'}</span>`,
  )}</span>`;
}

/** Request log rows, each linking to its detail. */
export function LogTable({ rows, showKey = true }) {
  return html`<div class="table-wrap"><table class="logs">
    <caption class="sr-only">Requests</caption>
    <thead><tr>
      <th scope="col">Time</th>${showKey ? html`<th scope="col">Key</th>` : null}<th scope="col">Model</th><th scope="col">Path</th>
      <th scope="col">Status</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Latency</th>
    </tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr data-log-id=${r.id}>
        <td><a href=${`#/logs/${encodeURIComponent(r.id)}`}>${fmtTime(r.time)}</a></td>
        ${showKey ? html`<td>${r.keyName ?? html`<span class="muted">anonymous</span>`}</td>` : null}
        <td class="model">${r.requestedModel}${r.resolvedModel && r.resolvedModel !== r.requestedModel ? html` → ${r.resolvedModel}` : null}</td>
        <td><${FallbackPath} attempts=${r.attempts} /></td>
        <td><${Badge} value=${r.status} /></td>
        <td class="num">${tokensOf(r.usage) || '—'}</td>
        <td class="num">${fmtUsd(r.costUsd)}</td>
        <td class="num">${fmtMs(r.latencyMs)}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}
