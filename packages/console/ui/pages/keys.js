import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { fmtAgo, fmtCompact, fmtInt, tokensOf } from '../lib/format.js';
import { Badge, CopyButton, PageHeader, Spend, Status } from '../components/bits.js';
import { Confirm, Dialog, FormDialog } from '../components/dialog.js';
import { LimitsFields, readLimits } from '../components/limits-fields.js';

const SORTS = {
  created: (a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''),
  name: (a, b) => a.name.localeCompare(b.name),
  requests: (a, b) => (b.usage?.requests ?? 0) - (a.usage?.requests ?? 0),
  spend: (a, b) => (b.usage?.spend_usd ?? 0) - (a.usage?.spend_usd ?? 0),
  last_used: (a, b) => (b.last_used_at ?? '').localeCompare(a.last_used_at ?? ''),
};

function CreateKey({ onCreated, onClose }) {
  const create = async (form) => {
    const limits = Object.fromEntries(Object.entries(readLimits(form)).filter(([, v]) => v !== null));
    onCreated(await admin.post('/keys', { name: form.elements.namedItem('name').value.trim(), ...(Object.keys(limits).length ? { limits } : {}) }));
  };
  return html`<${FormDialog} title="Create an API key" submitLabel="Create key" action=${create} onClose=${onClose}>
    <label>Name<input name="name" required maxlength="200" autocomplete="off" placeholder="checkout-service-prod" /></label>
    <fieldset><legend>Limits (optional)</legend><${LimitsFields} only=${['total_tokens_per_hour', 'requests_per_minute']} /></fieldset>
  <//>`;
}

/** The secret, exactly once: it is never shown again, so the dialog says so and offers a copy. */
function SecretOnce({ created, onClose }) {
  return html`<${Dialog} title="Your new API key" onClose=${onClose}>
    <p class="warning" role="note"><strong>Copy this key now.</strong> It is shown only once; Switchyard keeps a hash, not the key.</p>
    <label for="new-secret">Secret key for ${created.name}</label>
    <div class="copy-row">
      <input id="new-secret" readonly value=${created.key} onFocus=${(e) => e.currentTarget.select()} />
      <${CopyButton} text=${created.key} label="Copy the secret key" />
    </div>
    <div class="actions">
      <a class="button" href=${`#/keys/${encodeURIComponent(created.id)}`}>Configure this key</a>
      <button type="button" class="primary" onClick=${onClose}>I have saved it</button>
    </div>
  <//>`;
}

export function Keys({ create }) {
  const keys = useLoad(() => admin.get('/keys'), []);
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState('created');
  const [created, setCreated] = useState(null);
  const [revoking, setRevoking] = useState(null);
  const [busy, setBusy] = useState(false);
  const closeCreate = () => navigate('/keys');
  const needle = search.trim().toLowerCase();
  const rows = (keys.data?.data ?? [])
    .filter((k) => !needle || k.name.toLowerCase().includes(needle) || k.id.includes(needle) || (k.hint ?? '').toLowerCase().includes(needle))
    .sort(SORTS[sort]);

  const revoke = async () => {
    setBusy(true);
    try {
      await admin.post(`/keys/${encodeURIComponent(revoking.id)}/revoke`);
    } finally {
      setBusy(false);
      setRevoking(null);
      keys.reload();
    }
  };

  return html`<${PageHeader} title="API keys"><a class="button primary" href="#/keys?new">Create key</a><//>
    <div class="toolbar">
      <label class="inline">Search<input type="search" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} placeholder="Name, id or last four" /></label>
      <label class="inline">Sort by
        <select value=${sort} onChange=${(e) => setSort(e.currentTarget.value)}>
          <option value="created">Newest</option><option value="name">Name</option><option value="requests">Requests</option>
          <option value="spend">Spend</option><option value="last_used">Last used</option>
        </select>
      </label>
    </div>
    <${Status} loading=${keys.loading && !keys.data} error=${keys.error} />
    <div class="table-wrap">
      <table>
        <caption class="sr-only">API keys</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Status</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Spend</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          ${rows.map(
            (k) => html`<tr data-key-id=${k.id}>
              <th scope="row"><a href=${`#/keys/${encodeURIComponent(k.id)}`}>${k.name}</a></th>
              <td><code>${k.hint}</code></td>
              <td><${Badge} value=${k.status} /></td>
              <td class="num">${fmtInt(k.usage?.requests ?? 0)}</td>
              <td class="num">${fmtCompact(tokensOf(k.usage))}</td>
              <td class="num"><${Spend} usd=${k.usage?.spend_usd ?? 0} unpriced=${k.usage?.unpriced_requests} /></td>
              <td>${fmtAgo(k.last_used_at)}</td>
              <td>${k.status === 'active' ? html`<button type="button" class="danger small" onClick=${() => setRevoking(k)} aria-label=${`Revoke ${k.name}`}>Revoke</button>` : null}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${keys.data && rows.length === 0 ? html`<p class="muted">${needle ? 'No key matches.' : 'No keys yet.'}</p>` : null}
    </div>
    ${
      create && !created
        ? html`<${CreateKey} onClose=${closeCreate} onCreated=${(k) => {
            setCreated(k);
            keys.reload();
          }} />`
        : null
    }
    ${
      created
        ? html`<${SecretOnce} created=${created} onClose=${() => {
            setCreated(null);
            if (create) closeCreate();
          }} />`
        : null
    }
    ${
      revoking
        ? html`<${Confirm} title=${`Revoke ${revoking.name}?`} message="Requests with this key fail with 401 from now on. This cannot be undone." action="Revoke key" busy=${busy} onConfirm=${revoke} onClose=${() => setRevoking(null)} />`
        : null
    }`;
}
