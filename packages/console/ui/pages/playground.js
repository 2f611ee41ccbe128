import { useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtInt, fmtMs, fmtUsd } from '../lib/format.js';
import { readSse } from '../lib/sse.js';
import { anthropicSnippet, curlSnippet, endpoints, openaiSnippet } from '../lib/snippets.js';
import { CopyButton, PageHeader } from '../components/bits.js';
import { FallbackPath } from '../components/log-table.js';

/**
 * Send a chat request through the gateway exactly as a client would (the key in the
 * Authorization header, the OpenAI endpoint, streamed), then show what served it from the
 * request log: provider, model, attempts, tokens, cost, latency.
 */
export function Playground({ session }) {
  const models = useLoad(() => admin.get('/models?enabled=true'), []);
  const [key, setKey] = useState('');
  const [model, setModel] = useState('');
  const [system, setSystem] = useState('');
  const [user, setUser] = useState('Say hello in five words.');
  const [answer, setAnswer] = useState('');
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const abort = useRef(null);
  const base = endpoints(session.api_base);
  const names = [...new Set((models.data?.data ?? []).map((m) => m.model))].sort();
  const chosen = model || names[0] || '';
  const messages = [...(system.trim() ? [{ role: 'system', content: system }] : []), { role: 'user', content: user }];

  const send = async (e) => {
    e.preventDefault();
    setBusy(true);
    setAnswer('');
    setResult(null);
    setError('');
    abort.current = new AbortController();
    const started = performance.now();
    try {
      const res = await fetch(`${base.openai}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: chosen, messages, stream: true, stream_options: { include_usage: true } }),
        signal: abort.current.signal,
      });
      const requestId = res.headers.get('x-request-id');
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
      }
      let text = '';
      await readSse(res.body, (data) => {
        if (data === '[DONE]') return;
        const chunk = JSON.parse(data);
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) setAnswer((text += delta));
      });
      const elapsed = performance.now() - started;
      const log = requestId ? await admin.get(`/logs/${encodeURIComponent(requestId)}`).catch(() => null) : null;
      setResult({ provider: res.headers.get('x-switchyard-provider'), model: res.headers.get('x-switchyard-model'), elapsed, log });
    } catch (err) {
      if (err.name !== 'AbortError') setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  const copyAs = [
    ['curl', curlSnippet(base, { model: chosen, messages, stream: true })],
    ['OpenAI SDK', openaiSnippet(base, { model: chosen, messages })],
    ['Anthropic SDK', anthropicSnippet(base, { model: chosen, messages })],
  ];
  const log = result?.log;
  return html`<${PageHeader} title="Playground" />
    <div class="playground">
      <form class="card" onSubmit=${send}>
        <label>API key<input type="password" required autocomplete="off" value=${key} onInput=${(e) => setKey(e.currentTarget.value)} placeholder="sk-…" /></label>
        <p class="hint">Keys are shown once, so paste one here; it stays in this page's memory only.</p>
        <label>Model<select value=${chosen} onChange=${(e) => setModel(e.currentTarget.value)}>${names.map((n) => html`<option value=${n}>${n}</option>`)}</select></label>
        <label>System<textarea rows="2" value=${system} onInput=${(e) => setSystem(e.currentTarget.value)} placeholder="Optional instructions"></textarea></label>
        <label>User<textarea rows="4" required value=${user} onInput=${(e) => setUser(e.currentTarget.value)}></textarea></label>
        <div class="actions">
          ${busy ? html`<button type="button" onClick=${() => abort.current?.abort()}>Stop</button>` : null}
          <button type="submit" class="primary" disabled=${busy || !chosen}>Send</button>
        </div>
        <details><summary>Copy as…</summary>
          <ul class="plain">${copyAs.map(([label, text]) => html`<li>${label} <${CopyButton} text=${text} label=${`Copy as ${label}`} /></li>`)}</ul>
        </details>
      </form>
      <section class="card" aria-labelledby="answer-title" aria-busy=${busy}>
        <h2 id="answer-title">Answer</h2>
        ${error ? html`<p class="error" role="alert">${error}</p>` : null}
        <div class="answer" aria-live="polite">${answer || (busy ? '…' : '')}</div>
        ${
          result
            ? html`<dl class="facts">
              <dt>Served by</dt><dd data-served-by>${result.provider ?? log?.provider ?? '—'} / ${result.model ?? log?.resolvedModel ?? '—'}</dd>
              <dt>Attempts</dt><dd>${log ? html`<${FallbackPath} attempts=${log.attempts} />` : '—'}</dd>
              <dt>Tokens</dt><dd>${log?.usage ? `${fmtInt(log.usage.input)} in · ${fmtInt(log.usage.output)} out` : '—'}</dd>
              <dt>Cost</dt><dd>${fmtUsd(log?.costUsd)}</dd>
              <dt>Latency</dt><dd>${fmtMs(log?.latencyMs ?? result.elapsed)}${log?.ttftMs ? ` (first token ${fmtMs(log.ttftMs)})` : ''}</dd>
            </dl>
            ${log ? html`<p><a href=${`#/logs/${encodeURIComponent(log.id)}`}>Open in the request logs</a></p>` : null}`
            : null
        }
      </section>
    </div>`;
}
