import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin, query } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { PageHeader, Status } from '../components/bits.js';
import { LogTable } from '../components/log-table.js';

const FILTERS = ['key', 'model', 'provider', 'status', 'from', 'to'];
const PAGE = 50;

/** `datetime-local` value (local time) ↔ ISO-8601 for the API. */
const toIso = (local) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * Request logs: filters live in the URL (shareable, back button works); paging follows the
 * server's cursor, so a page costs the same at row 100 000 as at row 1. The filter form is
 * seeded from the URL and left to the user (see `lib/html.js`): the key and provider lists
 * arriving late must not undo a choice already made.
 */
export function Logs({ params }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? '']));
  const filterKey = JSON.stringify(filters);
  const [cursors, setCursors] = useState({ for: filterKey, stack: [''] });
  const stack = cursors.for === filterKey ? cursors.stack : [''];
  const cursor = stack.at(-1);
  const logs = useLoad(() => admin.get(`/logs${query({ ...filters, limit: PAGE, cursor })}`), [filterKey, cursor]);
  const keys = useLoad(() => admin.get('/keys'), []);
  const providers = useLoad(() => admin.get('/providers'), []);

  const apply = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const value = (name) => form.elements.namedItem(name).value.trim();
    navigate(
      `/logs${query({ key: value('key'), model: value('model'), provider: value('provider'), status: value('status'), from: toIso(value('from')), to: toIso(value('to')) })}`,
    );
  };

  return html`<${PageHeader} title="Request logs" />
    <form class="filters card" key=${filterKey} onSubmit=${apply} aria-label="Filter requests">
      <label>Key<select name="key">
        <option value="">All keys</option>
        ${(keys.data?.data ?? []).map((k) => html`<option value=${k.id} selected=${k.id === filters.key}>${k.name}</option>`)}
      </select></label>
      <label>Model<input name="model" defaultValue=${filters.model} placeholder="Any model" /></label>
      <label>Provider<select name="provider">
        <option value="">All providers</option>
        ${(providers.data?.providers ?? []).map((p) => html`<option value=${p.name} selected=${p.name === filters.provider}>${p.name}</option>`)}
      </select></label>
      <label>Status<input name="status" defaultValue=${filters.status} inputmode="numeric" pattern="[1-5][0-9][0-9]" placeholder="e.g. 429" /></label>
      <label>From<input name="from" type="datetime-local" defaultValue=${toLocal(filters.from)} /></label>
      <label>To<input name="to" type="datetime-local" defaultValue=${toLocal(filters.to)} /></label>
      <div class="actions"><a class="button" href="#/logs">Clear</a><button type="submit" class="primary">Apply filters</button></div>
    </form>
    <${Status} loading=${logs.loading && !logs.data} error=${logs.error} />
    ${logs.data ? (logs.data.data.length ? html`<${LogTable} rows=${logs.data.data} />` : html`<p class="muted">No requests match.</p>`) : null}
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled=${stack.length < 2} onClick=${() => setCursors({ for: filterKey, stack: stack.slice(0, -1) })}>Newer</button>
      <span class="muted">Page ${stack.length}</span>
      <button type="button" disabled=${!logs.data?.next_cursor} onClick=${() => setCursors({ for: filterKey, stack: [...stack, logs.data.next_cursor] })}>Older</button>
    </nav>`;
}
