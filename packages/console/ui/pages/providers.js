import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtMs } from '../lib/format.js';
import { Badge, PageHeader, Status } from '../components/bits.js';

/**
 * Provider status, breaker state, latency and error rate. The list loads once; the admin
 * status stream (`/providers/events`, server-sent events) then moves each provider's status
 * live, and a change refreshes the numbers.
 */
export function Providers() {
  const providers = useLoad(() => admin.get('/providers'), []);
  const performance = useLoad(() => admin.get('/providers/performance').catch(() => ({ data: [] })), []);
  const [live, setLive] = useState({});
  const [connected, setConnected] = useState(false);
  const [changes, setChanges] = useState([]);
  useEffect(() => {
    const source = new EventSource(admin.streamUrl('/providers/events'));
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener('snapshot', (e) => {
      const { providers: list } = JSON.parse(e.data);
      setLive(Object.fromEntries(list.map((p) => [p.provider, p.status])));
    });
    source.addEventListener('provider_status_change', (e) => {
      const change = JSON.parse(e.data);
      setLive((s) => ({ ...s, [change.provider]: change.status }));
      setChanges((c) => [{ ...change, at: Date.now() }, ...c].slice(0, 20));
      providers.reload();
    });
    return () => source.close();
  }, []);
  const perf = new Map((performance.data?.data ?? []).map((p) => [p.provider, p]));

  return html`<${PageHeader} title="Providers">
      <span class=${`live ${connected ? 'on' : 'off'}`} role="status">${connected ? 'Live' : 'Connecting…'}</span>
    <//>
    <${Status} loading=${providers.loading && !providers.data} error=${providers.error} />
    <div class="table-wrap"><table>
      <caption class="sr-only">Providers</caption>
      <thead><tr><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Breaker</th><th scope="col" class="num">Latency</th><th scope="col" class="num">p95</th><th scope="col" class="num">Error rate</th><th scope="col" class="num">Requests</th><th scope="col">Last error</th></tr></thead>
      <tbody>${(providers.data?.providers ?? []).map((p) => {
        const f = perf.get(p.name);
        return html`<tr data-provider=${p.name}>
          <th scope="row">${p.name}</th>
          <td><${Badge} value=${live[p.name] ?? p.status} /></td>
          <td><${Badge} value=${p.circuit} /></td>
          <td class="num">${fmtMs(p.latency_ms ?? f?.avgLatencyMs)}</td>
          <td class="num">${fmtMs(f?.p95LatencyMs)}</td>
          <td class="num">${`${((p.error_rate ?? 0) * 100).toFixed(1)}%`}</td>
          <td class="num">${p.requests ?? 0}</td>
          <td class="muted">${p.error ?? ''}</td>
        </tr>`;
      })}</tbody>
    </table></div>
    ${
      changes.length
        ? html`<section aria-labelledby="changes-title"><h2 id="changes-title">Recent changes</h2>
          <ul class="plain" aria-live="polite">${changes.map((c) => html`<li>${new Date(c.at).toLocaleTimeString()} <strong>${c.provider}</strong>: ${c.previous ?? '?'} → ${c.status}</li>`)}</ul></section>`
        : null
    }`;
}
