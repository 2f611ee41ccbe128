import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtTime } from '../lib/format.js';
import { Badge, PageHeader, Status, UsageBar } from '../components/bits.js';
import { Confirm } from '../components/dialog.js';
import { LIMITS, LimitsFields, readLimits } from '../components/limits-fields.js';
import { RoutingEditor } from '../components/routing-editor.js';
import { LogTable } from '../components/log-table.js';
import { McpAccess } from '../components/mcp-access.js';

const path = (id, rest = '') => `/keys/${encodeURIComponent(id)}${rest}`;

function Limits({ id, limits }) {
  const usage = useLoad(() => admin.get(path(id, '/limits')), [id]);
  const [message, setMessage] = useState(null);
  const save = async (e) => {
    e.preventDefault();
    try {
      await admin.patch(path(id), { limits: readLimits(e.currentTarget) });
      setMessage({ ok: true, text: 'Limits saved.' });
      usage.reload();
    } catch (err) {
      setMessage({ ok: false, text: err.message });
    }
  };
  const current = usage.data?.usage ?? {};
  const configured = usage.data?.limits ?? {};
  const camel = {
    total_tokens_per_hour: 'totalTokensPerHour',
    input_tokens_per_hour: 'inputTokensPerHour',
    output_tokens_per_hour: 'outputTokensPerHour',
    requests_per_minute: 'requestsPerMinute',
    concurrent_requests: 'concurrentRequests',
  };
  return html`<section class="card" aria-labelledby="limits-title">
    <h2 id="limits-title">Limits</h2>
    <${Status} loading=${usage.loading && !usage.data} error=${usage.error} />
    <div class="bars">
      ${LIMITS.map(([name, label, usageField]) => html`<${UsageBar} label=${label} value=${current[usageField] ?? 0} max=${configured[camel[name]] ?? limits?.[name]} />`)}
    </div>
    <form key=${JSON.stringify(limits ?? {})} onSubmit=${save}>
      <${LimitsFields} values=${limits ?? {}} />
      ${message ? html`<p class=${message.ok ? 'ok' : 'error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>` : null}
      <div class="actions"><button type="submit" class="primary">Save limits</button></div>
    </form>
  </section>`;
}

function Credentials({ id, credentials, onChange }) {
  const [message, setMessage] = useState(null);
  const put = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const provider = form.elements.namedItem('provider').value.trim();
    try {
      await admin.put(path(id, `/credentials/${encodeURIComponent(provider)}`), { api_key: form.elements.namedItem('secret').value });
      form.reset();
      setMessage({ ok: true, text: `Credential for ${provider} saved.` });
      onChange();
    } catch (err) {
      setMessage({ ok: false, text: err.message });
    }
  };
  const remove = async (provider) => {
    try {
      await admin.delete(path(id, `/credentials/${encodeURIComponent(provider)}`));
      onChange();
    } catch (err) {
      setMessage({ ok: false, text: err.message });
    }
  };
  return html`<section class="card" aria-labelledby="byok-title">
    <h2 id="byok-title">Provider credentials (BYOK)</h2>
    <p class="hint">Write-only: a stored credential is never shown again, only its last four characters.</p>
    ${
      credentials.length
        ? html`<ul class="plain">${credentials.map(
            (c) => html`<li><strong>${c.provider}</strong> <code>${c.hint}</code> <span class="muted">updated ${fmtTime(c.updated_at)}</span>
            <button type="button" class="small danger" onClick=${() => remove(c.provider)} aria-label=${`Remove the ${c.provider} credential`}>Remove</button></li>`,
          )}</ul>`
        : html`<p class="muted">None: requests use the gateway's own provider credentials.</p>`
    }
    <form onSubmit=${put} class="inline-form">
      <label>Provider<input name="provider" required pattern="[A-Za-z0-9._\\-]{1,100}" autocomplete="off" /></label>
      <label>API key<input name="secret" type="password" required autocomplete="off" /></label>
      <button type="submit">Set or replace</button>
    </form>
    ${message ? html`<p class=${message.ok ? 'ok' : 'error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>` : null}
  </section>`;
}

export function KeyDetail({ id }) {
  const key = useLoad(() => admin.get(path(id)), [id]);
  const routing = useLoad(() => admin.get(path(id, '/routing')), [id]);
  const models = useLoad(() => admin.get('/models'), []);
  const logs = useLoad(() => admin.get(`/logs?key=${encodeURIComponent(id)}&limit=10`), [id]);
  const [revoking, setRevoking] = useState(false);
  const k = key.data;
  if (!k) return html`<${PageHeader} title="API key" /><${Status} loading=${key.loading} error=${key.error} />`;
  const usable = (models.data?.data ?? []).filter((m) => m.enabled && m.capabilities?.chat !== false);

  return html`<${PageHeader} title=${k.name}>
      ${k.status === 'active' ? html`<button type="button" class="danger" onClick=${() => setRevoking(true)}>Revoke key</button>` : null}
    <//>
    <p class="meta"><code>${k.hint}</code> <${Badge} value=${k.status} /> <span class="muted">created ${fmtTime(k.created_at)} · id <code>${k.id}</code></span></p>
    <${Limits} id=${id} limits=${k.limits} />
    <section class="card" aria-labelledby="routing-title">
      <h2 id="routing-title">Routing</h2>
      <${Status} loading=${routing.loading || models.loading} error=${routing.error ?? models.error} />
      ${
        routing.data && models.data
          ? html`<${RoutingEditor} routing=${routing.data.routing} models=${usable} onSave=${(body) => admin.put(path(id, '/routing'), body)} />`
          : null
      }
    </section>
    <${McpAccess} key=${k.id} keyData=${k} onSave=${async (body) => {
      await admin.patch(path(id), body);
      key.reload();
    }} />
    <${Credentials} id=${id} credentials=${k.credentials ?? []} onChange=${key.reload} />
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent requests</h2>
      <${Status} loading=${logs.loading && !logs.data} error=${logs.error} />
      ${logs.data?.data.length ? html`<${LogTable} rows=${logs.data.data} showKey=${false} />` : logs.data ? html`<p class="muted">No requests yet.</p>` : null}
      <p><a href=${`#/logs?key=${encodeURIComponent(id)}`}>All requests of this key</a></p>
    </section>
    ${
      revoking
        ? html`<${Confirm} title=${`Revoke ${k.name}?`} message="Requests with this key fail with 401 from now on. This cannot be undone." action="Revoke key"
          onConfirm=${async () => {
            await admin.post(path(id, '/revoke'));
            setRevoking(false);
            key.reload();
          }} onClose=${() => setRevoking(false)} />`
        : null
    }`;
}
