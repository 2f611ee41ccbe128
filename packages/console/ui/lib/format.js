// Display helpers: numbers, money, dates and durations in the reader's locale.

const int = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export const fmtInt = (n) => (n === null || n === undefined ? '—' : int.format(n));
export const fmtCompact = (n) => (n === null || n === undefined ? '—' : n < 10_000 ? int.format(n) : compact.format(n));

export function fmtUsd(n) {
  if (n === null || n === undefined) return '—';
  if (n === 0) return '$0.00';
  if (Math.abs(n) < 0.01) return `$${n.toPrecision(2)}`;
  return `$${n.toFixed(2)}`;
}

export function fmtTime(t) {
  if (t === null || t === undefined) return '—';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString();
}

export function fmtAgo(t, now = Date.now()) {
  if (!t) return 'never';
  const s = Math.round((now - new Date(t).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const fmtMs = (ms) => (ms === null || ms === undefined ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);

export function tokensOf(usage) {
  if (!usage) return 0;
  return (usage.input_tokens ?? usage.input ?? usage.inputTokens ?? 0) + (usage.output_tokens ?? usage.output ?? usage.outputTokens ?? 0);
}
