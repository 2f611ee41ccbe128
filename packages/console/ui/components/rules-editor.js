import { html } from '../lib/html.js';

/** Condition fields a rule row offers; `header` and `metadata` take a name (`header.x-tier`). */
const FIELDS = [
  ['model', 'Model'],
  ['header', 'Header'],
  ['metadata', 'Metadata'],
  ['key.name', 'Key name'],
  ['tokens', 'Prompt tokens'],
];
const OPS = [
  ['eq', 'is'],
  ['ne', 'is not'],
  ['in', 'is one of'],
  ['gt', '>'],
  ['lt', '<'],
  ['regex', 'matches'],
];

const targetKey = (t) => (t ? `${t.provider}/${t.model}` : '');
const parseTarget = (key) => {
  const [provider, ...rest] = key.split('/');
  return { provider, model: rest.join('/') };
};

/**
 * Rules as rows when every rule is "one condition → one target" and the default is one
 * target; anything richer (and/or, strategies, several targets) stays JSON. Returns the rows
 * and default, or null.
 */
export function rulesToRows(routing) {
  const rules = routing?.rules ?? [];
  const rows = [];
  for (const r of rules) {
    const w = r.when;
    const t = r.targets;
    if (!w || w.and || w.or || w.conditions || r.strategy || !Array.isArray(t) || t.length !== 1 || typeof t[0] !== 'object') return null;
    const [head, ...rest] = String(w.field).split('.');
    const named = head === 'header' || head === 'metadata';
    rows.push({
      name: r.name ?? '',
      field: named ? head : w.field,
      sub: named ? rest.join('.') : '',
      op: w.op,
      value: Array.isArray(w.value) ? w.value.join(', ') : String(w.value ?? ''),
      target: targetKey(t[0]),
    });
  }
  const d = routing?.default;
  if (d && (!Array.isArray(d.targets) || d.targets.length !== 1 || typeof d.targets[0] !== 'object' || d.strategy)) return null;
  return { rows, fallback: d ? targetKey(d.targets[0]) : '' };
}

/** The admin API's `rules` and `default` from rows. */
export function rowsToRules({ rows, fallback }) {
  const rules = rows
    .filter((r) => r.target)
    .map((r) => {
      const field = r.field === 'header' || r.field === 'metadata' ? `${r.field}.${r.sub.trim()}` : r.field;
      const numeric = r.field === 'tokens' || r.op === 'gt' || r.op === 'lt';
      const value =
        r.op === 'in'
          ? r.value
              .split(',')
              .map((v) => v.trim())
              .filter(Boolean)
          : numeric
            ? Number(r.value)
            : r.value;
      return { ...(r.name.trim() ? { name: r.name.trim() } : {}), when: { field, op: r.op, value }, targets: [parseTarget(r.target)] };
    });
  return { rules, ...(fallback ? { default: { targets: [parseTarget(fallback)] } } : {}) };
}

function TargetSelect({ id, value, models, onChange, empty }) {
  return html`<select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
    <option value="">${empty}</option>
    ${models.map((m) => html`<option value=${targetKey(m)}>${m.model} (${m.provider})</option>`)}
  </select>`;
}

/** One row per rule: when <field> <op> <value> → <target>; the first match wins. */
export function RulesEditor({ value, models, onChange }) {
  const { rows, fallback } = value;
  const set = (i, patch) => onChange({ rows: rows.map((r, j) => (j === i ? { ...r, ...patch } : r)), fallback });
  return html`<ol class="rules">
      ${rows.map((r, i) => {
        const n = i + 1;
        return html`<li class="rule-row">
          <span class="field"><label for=${`rule-name-${i}`}>Rule ${n} name</label><input id=${`rule-name-${i}`} value=${r.name} onInput=${(e) => set(i, { name: e.currentTarget.value })} /></span>
          <span class="field"><label for=${`rule-field-${i}`}>Rule ${n} when</label>
            <select id=${`rule-field-${i}`} value=${r.field} onChange=${(e) => set(i, { field: e.currentTarget.value })}>${FIELDS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></span>
          ${
            r.field === 'header' || r.field === 'metadata'
              ? html`<span class="field"><label for=${`rule-sub-${i}`}>Rule ${n} ${r.field} name</label><input id=${`rule-sub-${i}`} required value=${r.sub} placeholder=${r.field === 'header' ? 'x-tier' : 'team'} onInput=${(e) => set(i, { sub: e.currentTarget.value })} /></span>`
              : null
          }
          <span class="field"><label for=${`rule-op-${i}`}>Rule ${n} test</label>
            <select id=${`rule-op-${i}`} value=${r.op} onChange=${(e) => set(i, { op: e.currentTarget.value })}>${OPS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></span>
          <span class="field"><label for=${`rule-value-${i}`}>Rule ${n} value</label><input id=${`rule-value-${i}`} required value=${r.value} onInput=${(e) => set(i, { value: e.currentTarget.value })} /></span>
          <span class="field"><label for=${`rule-target-${i}`}>Rule ${n} routes to</label>
            <${TargetSelect} id=${`rule-target-${i}`} value=${r.target} models=${models} empty="Choose a model…" onChange=${(target) => set(i, { target })} /></span>
          <span><button type="button" class="small" onClick=${() => onChange({ rows: rows.filter((_, j) => j !== i), fallback })} aria-label=${`Remove rule ${n}`}>Remove</button></span>
        </li>`;
      })}
    </ol>
    <button type="button" onClick=${() => onChange({ rows: [...rows, { name: '', field: 'header', sub: '', op: 'eq', value: '', target: '' }], fallback })}>Add a rule</button>
    <span class="field default-target"><label for="rules-default">Otherwise route to</label>
      <${TargetSelect} id="rules-default" value=${fallback} models=${models} empty="The gateway's default routing" onChange=${(f) => onChange({ rows, fallback: f })} /></span>`;
}
