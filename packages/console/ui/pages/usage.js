import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtCompact, fmtInt, fmtUsd } from '../lib/format.js';
import { PageHeader, Spend, Status } from '../components/bits.js';
import { StackedBars } from '../components/stacked-bars.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOWS = {
  '24h': { label: 'Last 24 hours', bucket: '1h', bucketMs: HOUR, tick: (d) => `${String(d.getHours()).padStart(2, '0')}:00` },
  '7d': { label: 'Last 7 days', bucket: '6h', bucketMs: 6 * HOUR, tick: (d) => d.toLocaleDateString(undefined, { weekday: 'short' }) },
  '30d': { label: 'Last 30 days', bucket: '1d', bucketMs: DAY, tick: (d) => d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) },
};
const GROUPS = [
  ['key', 'Key'],
  ['model', 'Model'],
  ['provider', 'Provider'],
];
const TOP = 6;

const SUMMED = [
  'requests',
  'failedRequests',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'spendUsd',
  'unpricedRequests',
  'estimatedRequests',
];

/**
 * One `/usage?bucket=` query: every group per time bucket (buckets start on multiples of the
 * bucket size, so the first one may be partial). The table sums each group's buckets.
 */
async function loadSeries(groupBy, windowName) {
  const w = WINDOWS[windowName];
  const answer = await admin.get(`/usage?group_by=${groupBy}&window=${windowName}&bucket=${w.bucket}`);
  const name = (g) => g.name ?? g.group ?? '(none)';
  const starts = [];
  for (let t = Math.floor(Date.parse(answer.from) / w.bucketMs) * w.bucketMs; t < Date.parse(answer.to); t += w.bucketMs) starts.push(t);
  const byStart = new Map(starts.map((t) => [t, new Map()]));
  const groups = new Map();
  for (const row of answer.data) {
    byStart.get(Date.parse(row.bucketStart))?.set(name(row), row);
    const sum = groups.get(name(row)) ?? { label: name(row), group: row.group };
    for (const field of SUMMED) sum[field] = (sum[field] ?? 0) + (row[field] ?? 0);
    groups.set(name(row), sum);
  }
  const buckets = starts.map((t) => ({ label: w.tick(new Date(t)), rows: byStart.get(t) }));
  for (const sum of groups.values()) sum.spendUsd = Math.round(sum.spendUsd * 1e12) / 1e12;
  const rows = [...groups.values()].sort((a, b) => b.spendUsd - a.spendUsd || b.requests - a.requests);
  return { totals: answer.totals, buckets, series: rows.slice(0, TOP).map((r) => r.label), rows };
}

function toCsv(groupBy, rows) {
  const cell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = [[groupBy, 'requests', 'failed_requests', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'spend_usd', 'unpriced_requests'].join(',')];
  for (const r of rows)
    lines.push(
      [r.label, r.requests, r.failedRequests ?? 0, r.inputTokens, r.outputTokens, r.cacheReadTokens ?? 0, r.spendUsd, r.unpricedRequests ?? 0]
        .map(cell)
        .join(','),
    );
  return `${lines.join('\n')}\n`;
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function Usage() {
  const [groupBy, setGroupBy] = useState('key');
  const [windowName, setWindow] = useState('7d');
  const usage = useLoad(() => loadSeries(groupBy, windowName), [groupBy, windowName]);
  const d = usage.data;
  return html`<${PageHeader} title="Usage">
      <button type="button" disabled=${!d} onClick=${() => download(`switchyard-usage-${groupBy}-${windowName}.csv`, toCsv(groupBy, d.rows))}>Export CSV</button>
    <//>
    <div class="toolbar">
      <label class="inline">Group by<select value=${groupBy} onChange=${(e) => setGroupBy(e.currentTarget.value)}>${GROUPS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
      <label class="inline">Period<select value=${windowName} onChange=${(e) => setWindow(e.currentTarget.value)}>${Object.entries(WINDOWS).map(([v, w]) => html`<option value=${v}>${w.label}</option>`)}</select></label>
    </div>
    <${Status} loading=${usage.loading && !d} error=${usage.error} />
    ${
      d
        ? html`<div class="stats">
          <div class="stat card"><span class="stat-label">Requests</span><span class="stat-value">${fmtInt(d.totals.requests)}</span></div>
          <div class="stat card"><span class="stat-label">Spend</span><span class="stat-value"><${Spend} usd=${d.totals.spendUsd} unpriced=${d.totals.unpricedRequests} /></span></div>
          <div class="stat card"><span class="stat-label">Tokens</span><span class="stat-value">${fmtCompact(d.totals.inputTokens + d.totals.outputTokens)}</span></div>
        </div>
        <section class="card" aria-labelledby="spend-chart"><h2 id="spend-chart">Spend over time</h2>
          <${StackedBars} buckets=${d.buckets} series=${d.series} value=${(b, n) => b.rows.get(n)?.spendUsd ?? 0} label="Spend" format=${fmtUsd} />
        </section>
        <section class="card" aria-labelledby="tokens-chart"><h2 id="tokens-chart">Tokens over time</h2>
          <${StackedBars} buckets=${d.buckets} series=${d.series} value=${(b, n) => (b.rows.get(n)?.inputTokens ?? 0) + (b.rows.get(n)?.outputTokens ?? 0)} label="Tokens" format=${fmtCompact} />
        </section>
        <div class="table-wrap"><table>
          <caption class="sr-only">Usage by ${groupBy}</caption>
          <thead><tr><th scope="col">${GROUPS.find(([v]) => v === groupBy)[1]}</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Input tokens</th><th scope="col" class="num">Output tokens</th><th scope="col" class="num">Spend</th></tr></thead>
          <tbody>${d.rows.map((r) => html`<tr><th scope="row">${r.label}</th><td class="num">${fmtInt(r.requests)}</td><td class="num">${fmtInt(r.failedRequests ?? 0)}</td><td class="num">${fmtInt(r.inputTokens)}</td><td class="num">${fmtInt(r.outputTokens)}</td><td class="num"><${Spend} usd=${r.spendUsd} unpriced=${r.unpricedRequests} /></td></tr>`)}</tbody>
        </table></div>`
        : null
    }`;
}
