import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtCompact } from '../lib/format.js';
import { groupSnapshots } from '../lib/snapshots.js';
import { Badge, PageHeader, Status } from '../components/bits.js';
import { Dialog } from '../components/dialog.js';

const price = (p) => (p === undefined || p === null ? '—' : `$${Number(p).toFixed(p < 1 ? 3 : 2)}`);
const caps = (m) =>
  Object.entries(m.capabilities ?? {})
    .filter(([, v]) => v)
    .map(([k]) => k)
    .join(', ');
const modelPath = (m) => `/models/${encodeURIComponent(m.provider)}/${encodeURIComponent(m.model)}`;

function ModelDetail({ model, onClose, onSaved }) {
  const [message, setMessage] = useState(null);
  const save = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const num = (n) => (form.elements.namedItem(n).value.trim() === '' ? undefined : Number(form.elements.namedItem(n).value));
    const cost = { input_per_1m: num('input'), output_per_1m: num('output') };
    try {
      await admin.patch(modelPath(model), { cost: Object.fromEntries(Object.entries(cost).filter(([, v]) => v !== undefined)) });
      onSaved();
      onClose();
    } catch (err) {
      setMessage(err.message);
    }
  };
  const reset = async () => {
    await admin.delete(`${modelPath(model)}/override`);
    onSaved();
    onClose();
  };
  return html`<${Dialog} title=${`${model.model} on ${model.provider}`} onClose=${onClose} wide>
    <dl class="facts">
      <dt>Status</dt><dd><${Badge} value=${model.enabled ? 'enabled' : 'disabled'} /></dd>
      <dt>Context window</dt><dd>${fmtCompact(model.context_window)}</dd>
      <dt>Max output</dt><dd>${fmtCompact(model.max_output_tokens)}</dd>
      <dt>Capabilities</dt><dd>${caps(model) || '—'}</dd>
      <dt>Price source</dt><dd>${model.price_source}${model.override ? ' (overridden)' : ''}</dd>
    </dl>
    <form key=${JSON.stringify(model.prices_per_1m ?? null)} onSubmit=${save}>
      <fieldset><legend>Price override (USD per million tokens)</legend>
        <div class="grid-fields">
          <label>Input<input name="input" type="number" min="0" step="any" defaultValue=${model.prices_per_1m?.input ?? ''} /></label>
          <label>Output<input name="output" type="number" min="0" step="any" defaultValue=${model.prices_per_1m?.output ?? ''} /></label>
        </div>
      </fieldset>
      ${message ? html`<p class="error" role="alert">${message}</p>` : null}
      <div class="actions">
        ${model.override ? html`<button type="button" onClick=${reset}>Reset to config</button>` : null}
        <button type="button" onClick=${onClose}>Close</button>
        <button type="submit" class="primary">Save prices</button>
      </div>
    </form>
  <//>`;
}

function Row({ m, nested, onToggle, onOpen }) {
  return html`<tr class=${nested ? 'nested' : ''} data-model=${`${m.provider}/${m.model}`}>
    <th scope="row"><button type="button" class="link" onClick=${() => onOpen(m)}>${nested ? '↳ ' : ''}${m.model}</button></th>
    <td>${m.provider}</td>
    <td class="num">${fmtCompact(m.context_window)}</td>
    <td class="num">${price(m.prices_per_1m?.input)}</td>
    <td class="num">${price(m.prices_per_1m?.output)}</td>
    <td>${caps(m)}</td>
    <td><${Badge} value=${m.enabled ? 'enabled' : 'disabled'} /></td>
    <td><button type="button" class="small" onClick=${() => onToggle(m)} aria-label=${`${m.enabled ? 'Disable' : 'Enable'} ${m.model} on ${m.provider}`}>${m.enabled ? 'Disable' : 'Enable'}</button></td>
  </tr>`;
}

/** The model catalog: search as you type, provider and status filters, snapshot grouping, admin toggles. */
export function Models() {
  const models = useLoad(() => admin.get('/models'), []);
  const [search, setSearch] = useState('');
  const [provider, setProvider] = useState('');
  const [status, setStatus] = useState('');
  const [grouped, setGrouped] = useState(true);
  const [open, setOpen] = useState(null);
  const all = models.data?.data ?? [];
  const needle = search.trim().toLowerCase();
  const rows = all.filter(
    (m) => (!needle || m.model.toLowerCase().includes(needle)) && (!provider || m.provider === provider) && (!status || (status === 'enabled') === m.enabled),
  );
  const toggle = async (m) => {
    await admin.patch(modelPath(m), { enabled: !m.enabled });
    models.reload();
  };
  const props = { onToggle: toggle, onOpen: setOpen };
  return html`<${PageHeader} title="Models" />
    <div class="toolbar">
      <label class="inline">Search<input type="search" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} placeholder="Model name" /></label>
      <label class="inline">Provider<select value=${provider} onChange=${(e) => setProvider(e.currentTarget.value)}>
        <option value="">All</option>${[...new Set(all.map((m) => m.provider))].map((p) => html`<option value=${p}>${p}</option>`)}
      </select></label>
      <label class="inline">Status<select value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
        <option value="">All</option><option value="enabled">Enabled</option><option value="disabled">Disabled</option>
      </select></label>
      <label class="inline"><input type="checkbox" checked=${grouped} onChange=${(e) => setGrouped(e.currentTarget.checked)} /> Group snapshots</label>
    </div>
    <${Status} loading=${models.loading && !models.data} error=${models.error} />
    <div class="table-wrap"><table>
      <caption class="sr-only">Model catalog</caption>
      <thead><tr><th scope="col">Model</th><th scope="col">Provider</th><th scope="col" class="num">Context</th><th scope="col" class="num">Input $/1M</th><th scope="col" class="num">Output $/1M</th><th scope="col">Capabilities</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        ${
          grouped
            ? groupSnapshots(rows).map((g) => html`<${Row} m=${g.head} ...${props} />${g.snapshots.map((s) => html`<${Row} m=${s} nested ...${props} />`)}`)
            : rows.map((m) => html`<${Row} m=${m} ...${props} />`)
        }
      </tbody>
    </table></div>
    ${models.data && rows.length === 0 ? html`<p class="muted">No model matches.</p>` : null}
    ${open ? html`<${ModelDetail} model=${open} onClose=${() => setOpen(null)} onSaved=${models.reload} />` : null}`;
}
