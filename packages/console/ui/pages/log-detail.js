import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtInt, fmtMs, fmtTime, fmtUsd } from '../lib/format.js';
import { Badge, PageHeader, Status } from '../components/bits.js';
import { FallbackPath } from '../components/log-table.js';

export function LogDetail({ id }) {
  const log = useLoad(() => admin.get(`/logs/${encodeURIComponent(id)}`), [id]);
  const r = log.data;
  if (!r) return html`<${PageHeader} title="Request" /><${Status} loading=${log.loading} error=${log.error} />`;
  const fields = [
    ['Time', fmtTime(r.time)],
    ['Key', r.keyName ? html`<a href=${`#/keys/${encodeURIComponent(r.keyId)}`}>${r.keyName}</a>` : 'anonymous'],
    ['Requested model', r.requestedModel],
    ['Served by', r.provider ? `${r.provider} / ${r.resolvedModel}` : '—'],
    ['Strategy', r.strategy ?? '—'],
    ['Status', html`<${Badge} value=${r.status} /> ${r.outcome}`],
    ['Fallback path', html`<${FallbackPath} attempts=${r.attempts} />`],
    [
      'Tokens',
      r.usage ? `${fmtInt(r.usage.input)} in · ${fmtInt(r.usage.output)} out${r.usage.cacheRead ? ` · ${fmtInt(r.usage.cacheRead)} cached` : ''}` : '—',
    ],
    ['Cost', r.costUsd === null ? `unknown${r.costReason ? ` (${r.costReason})` : ''}` : fmtUsd(r.costUsd)],
    ['Latency', `${fmtMs(r.latencyMs)}${r.ttftMs !== null ? ` (first token ${fmtMs(r.ttftMs)})` : ''}`],
    ['Format', `${r.format}${r.stream ? ', streamed' : ''}`],
    ...(r.error ? [['Error', r.error]] : []),
  ];
  return html`<${PageHeader} title="Request"><a class="button" href="#/logs">Back to the logs</a><//>
    <p class="muted">Request id <code>${r.id}</code></p>
    <dl class="facts card">${fields.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    <section aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">#</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">Failure</th><th scope="col">Status</th><th scope="col" class="num">Latency</th><th scope="col" class="num">First byte</th></tr></thead>
        <tbody>${r.attempts.map(
          (a, i) => html`<tr>
            <td>${i + 1}</td><td>${a.provider} / ${a.model}${a.role === 'continuation' ? html`<br /><span class="muted">continued after ${a.deliveredChars ?? '?'} characters</span>` : a.role === 'hedge' ? html`<br /><span class="muted">hedge</span>` : null}</td><td><${Badge} value=${a.outcome} /></td>
            <td>${a.failureKind ?? a.kind ?? '—'}${a.error ? html`<br /><span class="muted">${a.error}</span>` : null}</td>
            <td>${a.status ?? '—'}</td><td class="num">${fmtMs(a.latencyMs)}</td><td class="num">${fmtMs(a.ttftMs)}</td>
          </tr>`,
        )}</tbody>
      </table></div>
    </section>
    ${r.requestBody !== undefined ? html`<section><h2>Request body</h2><pre class="code">${JSON.stringify(r.requestBody, null, 2)}</pre></section>` : null}
    ${r.responseBody !== undefined ? html`<section><h2>Response body</h2><pre class="code">${JSON.stringify(r.responseBody, null, 2)}</pre></section>` : null}`;
}
