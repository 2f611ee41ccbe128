import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtCompact, fmtInt, fmtUsd } from '../lib/format.js';
import { PageHeader, Spend, Status } from '../components/bits.js';
import { StackedBars } from '../components/stacked-bars.js';

const WINDOWS = {
  '24h': { label: 'Last 24 hours', buckets: 12, ms: 86_400_000, tick: (d) => `${String(d.getHours()).padStart(2, '0')}:00` },
  '7d': { label: 'Last 7 days', buckets: 7, ms: 7 * 86_400_000, tick: (d) => d.toLocaleDateString(undefined, { weekday: 'short' }) },
  '30d': { label: 'Last 30 days', buckets: 15, ms: 30 * 86_400_000, tick: (d) => d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) },
};
const GROUPS = [
  ['key', 'Key'],
  ['model', 'Model'],
  ['provider', 'Provider'],
];
const TOP = 6;

/** One `/usage` query per bucket (indexed aggregates), so the chart needs no extra endpoint. */
async function loadSeries(groupBy, windowName) {
  const w = WINDOWS[windowName];
  const to = Date.now();
  const step = w.ms / w.buckets;
  const ranges = Array.from({ length: w.buckets }, (_, i) => [to - w.ms + i * step, to - w.ms + (i + 1) * step]);
  const [whole, ...parts] = await Promise.all([
    admin.get(`/usage?group_by=${groupBy}&window=${windowName}`),
    ...ranges.map(([from, end]) => admin.get(`/usage?group_by=${groupBy}&from=${Math.round(from)}&to=${Math.round(end)}`)),
  ]);
  const name = (g) => g.name ?? g.group ?? '(none)';
  const buckets = parts.map((p, i) => ({ label: w.tick(new Date(ranges[i][0])), rows: new Map(p.data.map((g) => [name(g), g])) }));
  const ranked = [...whole.data].sort((a, b) => b.spendUsd - a.spendUsd || b.requests - a.requests);
  return { whole, buckets, series: ranked.slice(0, TOP).map(name), rows: ranked.map((g) => ({ ...g, label: name(g) })) };
}

function toCsv(groupBy, rows) {
  const cell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = [[groupBy, 'requests', 'failed_requests', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'spend_usd', 'unpriced_requests'].join(',')];
  for (const r of rows) lines.push([r.label, r.requests, r.failedRequests ?? 0, r.inputTokens, r.outputTokens, r.cacheReadTokens ?? 0, r.spendUsd, r.unpricedRequests ?? 0].map(cell).join(','));
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
    ${d
      ? html`<div class="stats">
          <div class="stat card"><span class="stat-label">Requests</span><span class="stat-value">${fmtInt(d.whole.totals.requests)}</span></div>
          <div class="stat card"><span class="stat-label">Spend</span><span class="stat-value"><${Spend} usd=${d.whole.totals.spendUsd} unpriced=${d.whole.totals.unpricedRequests} /></span></div>
          <div class="stat card"><span class="stat-label">Tokens</span><span class="stat-value">${fmtCompact(d.whole.totals.inputTokens + d.whole.totals.outputTokens)}</span></div>
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
      : null}`;
}
