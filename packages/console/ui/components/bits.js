import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { fmtInt, fmtUsd } from '../lib/format.js';

/** Copies `text` to the clipboard and says so (politely, for screen readers too). */
export function CopyButton({ text, label = 'Copy' }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Without clipboard permission (plain http, some browsers): select-and-copy is the fallback.
      const area = Object.assign(document.createElement('textarea'), { value: text });
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return html`<button type="button" class="copy" onClick=${copy} aria-label=${`${label}`}>${done ? 'Copied' : 'Copy'}</button>
    <span class="sr-only" role="status">${done ? 'Copied to the clipboard' : ''}</span>`;
}

/** A loading line, an error box, or nothing. */
export function Status({ loading, error }) {
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (loading) return html`<p class="muted" aria-live="polite">Loading…</p>`;
  return null;
}

/** A horizontal bar of `value` out of `max` with its numbers, for limits. */
export function UsageBar({ label, value, max, unit = '' }) {
  const share = max ? Math.min(1, value / max) : 0;
  const level = share >= 0.9 ? 'high' : share >= 0.6 ? 'mid' : 'low';
  return html`<div class="usage-bar">
    <div class="usage-bar-label"><span>${label}</span><span>${max ? `${value.toLocaleString()} / ${max.toLocaleString()}${unit}` : `${value.toLocaleString()}${unit} (no limit)`}</span></div>
    <div class="bar" role="meter" aria-label=${label} aria-valuemin="0" aria-valuemax=${max || 0} aria-valuenow=${value}>
      <div class=${`fill ${level}`} style=${{ width: `${(share * 100).toFixed(1)}%` }}></div>
    </div>
  </div>`;
}

/** A coloured status word (healthy / degraded / down / active / revoked / 2xx …). */
/**
 * A spend figure, and beside it how many requests it leaves out because their price is unknown
 * (they are never counted as free).
 */
export function Spend({ usd, unpriced }) {
  if (!unpriced) return fmtUsd(usd);
  const what = `${fmtInt(unpriced)} unpriced`;
  return html`${fmtUsd(usd)} <span class="unpriced" title=${`${what} request${unpriced === 1 ? '' : 's'} not in this figure: no known price`}>+ ${what}</span>`;
}

export function Badge({ value }) {
  const v = String(value);
  const tone = /^(healthy|up|active|enabled|closed|completed|2\d\d|success|running|promoted)$/.test(v)
    ? 'ok'
    : /^(degraded|unknown|disabled|half-open|half_open|aborted|4\d\d|stopped|ramping)$/.test(v)
      ? 'warn'
      : 'bad';
  return html`<span class=${`badge ${tone}`}>${v}</span>`;
}

export function PageHeader({ title, children }) {
  return html`<header class="page-header"><h1>${title}</h1><div class="page-actions">${children}</div></header>`;
}
