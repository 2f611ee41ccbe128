import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';

/** A list field: "any" (null on the wire) or "only these" entries, one per line. */
function ListField({ name, legend, hint, value }) {
  const [restricted, setRestricted] = useState(value !== null && value !== undefined);
  return html`<fieldset>
    <legend>${legend}</legend>
    <label class="radio"><input type="radio" name=${`${name}-mode`} value="any" checked=${!restricted} onChange=${() => setRestricted(false)} /> Any</label>
    <label class="radio"><input type="radio" name=${`${name}-mode`} value="only" checked=${restricted} onChange=${() => setRestricted(true)} /> Only these</label>
    <label>${legend}, one per line<textarea name=${name} rows="3" disabled=${!restricted} placeholder=${hint} defaultValue=${(value ?? []).join('\n')}></textarea></label>
  </fieldset>`;
}

function readList(form, name) {
  if (form.elements.namedItem(`${name}-mode`).value !== 'only') return null;
  return form.elements
    .namedItem(name)
    .value.split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Which MCP profiles and tools a key may use (`allowed_mcp_profiles`, `allowed_mcp_tools`).
 * "Any" sends null; "Only these" with no entries allows none. A `*` at the end matches by prefix.
 */
export function McpAccess({ keyData, onSave }) {
  const [message, setMessage] = useState(null);
  const save = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    try {
      await onSave({ allowed_mcp_profiles: readList(form, 'mcp-profiles'), allowed_mcp_tools: readList(form, 'mcp-tools') });
      setMessage({ ok: true, text: 'MCP access saved.' });
    } catch (err) {
      setMessage({ ok: false, text: err.message });
    }
  };
  return html`<section class="card" aria-labelledby="mcp-access-title">
    <h2 id="mcp-access-title">MCP access</h2>
    <p class="hint">Profiles this key may open at <code>${'/mcp/<profile>'}</code>, and the tools it may list and call there as <code>profile/tool</code>. A trailing <code>*</code> matches by prefix (<code>dev/github__*</code>).</p>
    <form key=${JSON.stringify([keyData.allowed_mcp_profiles, keyData.allowed_mcp_tools])} onSubmit=${save}>
      <${ListField} name="mcp-profiles" legend="MCP profiles" hint="dev" value=${keyData.allowed_mcp_profiles} />
      <${ListField} name="mcp-tools" legend="MCP tools" hint="dev/docs__*" value=${keyData.allowed_mcp_tools} />
      ${message ? html`<p class=${message.ok ? 'ok' : 'error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>` : null}
      <div class="actions"><button type="submit" class="primary">Save MCP access</button></div>
    </form>
  </section>`;
}
