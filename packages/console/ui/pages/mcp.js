import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtAgo } from '../lib/format.js';
import { Badge, PageHeader, Status } from '../components/bits.js';

/** One profile: its members with transport, target, health and breaker, and a probe button. */
function Profile({ profile, onProbed }) {
  const [probing, setProbing] = useState(false);
  const [error, setError] = useState(null);
  const probe = async () => {
    setProbing(true);
    setError(null);
    try {
      onProbed(await admin.post(`/mcp/profiles/${encodeURIComponent(profile.name)}/probe`));
    } catch (err) {
      setError(err);
    } finally {
      setProbing(false);
    }
  };
  const titleId = `mcp-${profile.name}`;
  return html`<section class="card" aria-labelledby=${titleId} data-profile=${profile.name}>
    <header class="page-header">
      <h2 id=${titleId}>${profile.name}</h2>
      <div class="page-actions">
        <span class="muted">${profile.sessions} open session${profile.sessions === 1 ? '' : 's'}</span>
        <button type="button" onClick=${probe} disabled=${probing} aria-label=${`Probe every member of ${profile.name}`}>${probing ? 'Probing…' : 'Probe now'}</button>
      </div>
    </header>
    ${profile.description ? html`<p class="muted">${profile.description}</p>` : null}
    <${Status} error=${error} />
    <div class="table-wrap"><table>
      <caption class="sr-only">Members of ${profile.name}</caption>
      <thead><tr><th scope="col">Member</th><th scope="col">Transport</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Breaker</th><th scope="col">Last success</th><th scope="col">Last error</th></tr></thead>
      <tbody>${profile.members.map(
        (m) => html`<tr data-member=${m.name}>
          <th scope="row">${m.name}</th>
          <td>${m.transport}</td>
          <td><code>${m.target}</code></td>
          <td><${Badge} value=${m.status} /></td>
          <td><${Badge} value=${m.breaker} /></td>
          <td class="muted">${m.last_ok_at ? fmtAgo(m.last_ok_at) : 'never'}</td>
          <td class="muted">${m.last_error ? `${m.last_error}${m.last_failure_at ? ` (${fmtAgo(m.last_failure_at)})` : ''}` : ''}</td>
        </tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

/**
 * MCP profiles (`/mcp/profiles`): each profile's members and their health. A gateway without
 * MCP answers 404 there, which the page says in words.
 */
export function McpProfiles() {
  const profiles = useLoad(() => admin.get('/mcp/profiles').catch((err) => (err.status === 404 ? { profiles: null } : Promise.reject(err))), []);
  const [probed, setProbed] = useState({});
  const refresh = () => {
    setProbed({});
    profiles.reload();
  };
  const list = profiles.data?.profiles;
  return html`<${PageHeader} title="MCP profiles">
      <button type="button" onClick=${refresh}>Refresh</button>
    <//>
    <${Status} loading=${profiles.loading && !profiles.data} error=${profiles.error} />
    ${list === null ? html`<p class="muted">MCP is not enabled on this gateway (<code>mcp.enabled</code>).</p>` : null}
    ${list?.length === 0 ? html`<p class="muted">No profiles configured.</p>` : null}
    ${(list ?? []).map((p) => html`<${Profile} key=${p.name} profile=${probed[p.name] ?? p} onProbed=${(view) => setProbed((s) => ({ ...s, [view.name]: view }))} />`)}`;
}
