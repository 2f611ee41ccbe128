import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtAgo, fmtCompact, fmtInt } from '../lib/format.js';
import { anthropicSnippet, curlSnippet, endpoints, openaiSnippet } from '../lib/snippets.js';
import { Badge, CopyButton, PageHeader, Spend, Status } from '../components/bits.js';

const PERIODS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];

function Endpoint({ apiBase, model }) {
  const base = endpoints(apiBase);
  const [tab, setTab] = useState('curl');
  const snippets = { curl: curlSnippet(base, { model }), openai: openaiSnippet(base, { model }), anthropic: anthropicSnippet(base, { model }) };
  const tabs = [
    ['curl', 'curl'],
    ['openai', 'OpenAI SDK'],
    ['anthropic', 'Anthropic SDK'],
  ];
  return html`<section class="card" aria-labelledby="endpoint-title">
    <h2 id="endpoint-title">Proxy endpoint</h2>
    <dl class="endpoints">
      <dt>OpenAI base URL</dt>
      <dd><code data-endpoint="openai">${base.openai}</code> <${CopyButton} text=${base.openai} label="Copy the OpenAI base URL" /></dd>
      <dt>Anthropic base URL</dt>
      <dd><code data-endpoint="anthropic">${base.anthropic}</code> <${CopyButton} text=${base.anthropic} label="Copy the Anthropic base URL" /></dd>
    </dl>
    <div class="tabs" role="tablist" aria-label="Snippet language">
      ${tabs.map(([id, label]) => html`<button type="button" role="tab" aria-selected=${tab === id} onClick=${() => setTab(id)}>${label}</button>`)}
    </div>
    <div class="snippet" role="tabpanel">
      <pre><code>${snippets[tab]}</code></pre>
      <${CopyButton} text=${snippets[tab]} label="Copy the snippet" />
    </div>
  </section>`;
}

export function Dashboard({ session }) {
  const [period, setPeriod] = useState('24h');
  const usage = useLoad(() => admin.get(`/usage?group_by=key&window=${period}`), [period]);
  const keys = useLoad(() => admin.get('/keys'), []);
  const providers = useLoad(() => admin.get('/providers'), []);
  const models = useLoad(() => admin.get('/models?enabled=true'), []);
  const byKey = new Map((usage.data?.data ?? []).map((g) => [g.group, g]));
  const totals = usage.data?.totals;
  const activeKeys = (keys.data?.data ?? []).filter((k) => k.status === 'active');

  return html`<${PageHeader} title="Dashboard">
      <a class="button primary" href="#/keys?new">Create a key</a>
      <a class="button" href="#/playground">Open the Playground</a>
    <//>
    <${Endpoint} apiBase=${session.api_base} model=${models.data?.data[0]?.model} />
    <section aria-labelledby="totals-title">
      <div class="section-head">
        <h2 id="totals-title">Traffic</h2>
        <label class="inline">Period
          <select value=${period} onChange=${(e) => setPeriod(e.currentTarget.value)}>
            ${PERIODS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
          </select>
        </label>
      </div>
      <${Status} loading=${usage.loading && !usage.data} error=${usage.error} />
      <div class="stats">
        <div class="stat card"><span class="stat-label">Total requests</span><span class="stat-value" data-stat="requests">${fmtInt(totals?.requests ?? 0)}</span></div>
        <div class="stat card"><span class="stat-label">Total spend</span><span class="stat-value" data-stat="spend"><${Spend} usd=${totals?.spendUsd ?? 0} unpriced=${totals?.unpricedRequests} /></span></div>
        <div class="stat card"><span class="stat-label">Tokens (in / out)</span><span class="stat-value">${fmtCompact(totals?.inputTokens ?? 0)} / ${fmtCompact(totals?.outputTokens ?? 0)}</span></div>
      </div>
    </section>
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">Keys</h2>
      <${Status} loading=${keys.loading && !keys.data} error=${keys.error} />
      ${keys.data && activeKeys.length === 0 ? html`<p class="muted">No active keys yet. <a href="#/keys?new">Create one</a>.</p>` : null}
      <ul class="cards">
        ${activeKeys.map((k) => {
          const u = byKey.get(k.id);
          return html`<li class="card key-card">
            <h3><a href=${`#/keys/${encodeURIComponent(k.id)}`}>${k.name}</a></h3>
            <p class="muted"><code>${k.hint}</code> · last used ${fmtAgo(k.last_used_at)}</p>
            <p>${fmtInt(u?.requests ?? 0)} requests · ${fmtCompact((u?.inputTokens ?? 0) + (u?.outputTokens ?? 0))} tokens · <${Spend} usd=${u?.spendUsd ?? 0} unpriced=${u?.unpricedRequests} /></p>
          </li>`;
        })}
      </ul>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Provider health</h2>
      <${Status} loading=${providers.loading && !providers.data} error=${providers.error} />
      <ul class="chips">
        ${(providers.data?.providers ?? []).map((p) => html`<li><a href="#/providers">${p.name}</a> <${Badge} value=${p.status} /></li>`)}
      </ul>
    </section>`;
}
