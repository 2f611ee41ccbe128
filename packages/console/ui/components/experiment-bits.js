import { html } from '../lib/html.js';

// Display helpers of the experiment pages: rates, p-values, intervals, targets.

export const fmtPct = (n, digits = 1) => (n === null || n === undefined ? '—' : `${(n * 100).toFixed(digits)}%`);
export const fmtScore = (n) => (n === null || n === undefined ? '—' : n.toFixed(3));
export const fmtP = (p) => (p === null || p === undefined ? '—' : p < 0.0001 ? '< 0.0001' : p.toFixed(4));
export const fmtInterval = (ci, fmt) => (ci ? `${fmt(ci.low)} – ${fmt(ci.high)}` : '');
export const target = (t) => `${t.provider} / ${t.model}`;

/** A value with its 95% interval underneath, muted. */
export function WithInterval({ value, ci, fmt }) {
  return html`${fmt(value)}${ci ? html`<br /><span class="muted ci" title="95% confidence interval">${fmtInterval(ci, fmt)}</span>` : null}`;
}

/** The words of an A/B verdict: a winner only when the report names one (it is significant then). */
export function verdictText(report) {
  if (report.verdict === 'winner') return `Winner: ${report.winner}`;
  if (report.verdict === 'no_significant_difference') return 'No significant difference';
  return 'Not enough data yet';
}
