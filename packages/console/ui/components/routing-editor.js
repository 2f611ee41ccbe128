import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { RulesEditor, rowsToRules, rulesToRows } from './rules-editor.js';

/**
 * The routing modes a person thinks in, and the admin API's `routing` object for each:
 * single model and fallback chain are the priority strategy (priority = position), a traffic
 * split is the weighted strategy, rules keep their conditions.
 */
export const MODES = [
  ['single', 'Single model'],
  ['fallback', 'Fallback chain'],
  ['split', 'Traffic split'],
  ['rules', 'Advanced rules'],
];

/** Which mode a stored routing config reads as. */
export function modeOf(routing) {
  if (!routing) return 'single';
  if (routing.strategy === 'rules') return 'rules';
  if (routing.strategy === 'weighted') return 'split';
  return (routing.targets?.length ?? 0) > 1 ? 'fallback' : 'single';
}

/** Turn the editor's state into the admin API body. */
export function toRouting({ mode, active, targets, rules, rulesText }) {
  const clean = targets.filter((t) => t.provider && t.model);
  if (mode === 'rules') {
    const parsed = rules ? rowsToRules(rules) : JSON.parse(rulesText || '{}');
    return { active, strategy: 'rules', rules: parsed.rules ?? [], ...(parsed.default ? { default: parsed.default } : {}) };
  }
  if (mode === 'split')
    return { active, strategy: 'weighted', targets: clean.map((t) => ({ provider: t.provider, model: t.model, weight: Number(t.weight) || 0 })) };
  const chain = mode === 'single' ? clean.slice(0, 1) : clean;
  return { active, strategy: 'fallback', targets: chain.map((t, i) => ({ provider: t.provider, model: t.model, priority: i })) };
}

const targetKey = (t) => `${t.provider}/${t.model}`;

function TargetRow({ target, index, count, models, mode, onChange, onMove, onRemove }) {
  const label = mode === 'fallback' ? `Step ${index + 1}` : mode === 'split' ? `Target ${index + 1}` : 'Model';
  return html`<li class="target-row">
    <span class="field">
      <label for=${`target-${index}`}>${label}</label>
      <select id=${`target-${index}`} value=${targetKey(target)} onChange=${(e) => {
        const [provider, ...rest] = e.currentTarget.value.split('/');
        onChange({ ...target, provider, model: rest.join('/') });
      }}>
        <option value="/">Choose a model…</option>
        ${models.map((m) => html`<option value=${targetKey(m)}>${m.model} (${m.provider})</option>`)}
      </select>
    </span>
    ${
      mode === 'split'
        ? html`<span class="field weight"><label for=${`weight-${index}`}>Weight</label><input id=${`weight-${index}`} type="number" min="0" step="1" value=${target.weight ?? 1} onInput=${(e) => onChange({ ...target, weight: e.currentTarget.value })} /></span>`
        : null
    }
    ${
      mode !== 'single'
        ? html`<span class="row-actions">
          ${
            mode === 'fallback'
              ? html`<button type="button" class="small" disabled=${index === 0} onClick=${() => onMove(-1)} aria-label=${`Move step ${index + 1} up`}>↑</button>
            <button type="button" class="small" disabled=${index === count - 1} onClick=${() => onMove(1)} aria-label=${`Move step ${index + 1} down`}>↓</button>`
              : null
          }
          <button type="button" class="small" onClick=${onRemove} aria-label=${`Remove ${label.toLowerCase()}`}>✕</button>
        </span>`
        : null
    }
  </li>`;
}

/** Edit a key's routing: mode, targets (ordered, weighted), rules, and the active toggle. */
export function RoutingEditor({ routing, models, onSave }) {
  const [mode, setMode] = useState(modeOf(routing));
  const [active, setActive] = useState(routing?.active ?? true);
  const [targets, setTargets] = useState(routing?.targets?.length ? routing.targets.map((t) => ({ ...t })) : [{ provider: '', model: '' }]);
  const [rulesText, setRulesText] = useState(
    JSON.stringify({ rules: routing?.rules ?? [], ...(routing?.default ? { default: routing.default } : {}) }, null, 2),
  );
  const [message, setMessage] = useState(null);
  // Rows when the stored rules fit them, else JSON; switching to JSON carries the rows over.
  const [rules, setRules] = useState(() => rulesToRows(routing) ?? undefined);
  const asJson = (on) => {
    if (on) {
      setRulesText(JSON.stringify(rowsToRules(rules), null, 2));
      setRules(undefined);
    } else {
      try {
        const rows = rulesToRows(JSON.parse(rulesText || '{}'));
        if (rows) setRules(rows);
        else setMessage({ ok: false, text: 'These rules need the JSON editor (and/or conditions, strategies or several targets).' });
      } catch (err) {
        setMessage({ ok: false, text: `The JSON does not parse: ${err.message}` });
      }
    }
  };
  const totalWeight = targets.reduce((s, t) => s + (Number(t.weight ?? 1) || 0), 0);
  const shown = mode === 'single' ? targets.slice(0, 1) : targets;

  const update = (i, t) => setTargets(targets.map((x, j) => (j === i ? t : x)));
  const move = (i, d) => {
    const next = [...targets];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    setTargets(next);
  };
  const save = async (e) => {
    e.preventDefault();
    setMessage(null);
    try {
      await onSave(toRouting({ mode, active, targets, rules, rulesText }));
      setMessage({ ok: true, text: 'Routing saved.' });
    } catch (err) {
      setMessage({ ok: false, text: err.message });
    }
  };

  return html`<form onSubmit=${save} class="routing-editor">
    <fieldset class="modes"><legend>Mode</legend>
      ${MODES.map(([value, label]) => html`<label class="radio"><input type="radio" name="routing-mode" value=${value} checked=${mode === value} onChange=${() => setMode(value)} /> ${label}</label>`)}
    </fieldset>
    ${
      mode === 'rules'
        ? html`<label class="switch"><input type="checkbox" checked=${!rules} onChange=${(e) => asJson(e.currentTarget.checked)} /> Edit as JSON</label>
        ${
          rules
            ? html`<${RulesEditor} value=${rules} models=${models} onChange=${setRules} />`
            : html`<label>Rules and default (JSON)
          <textarea rows="10" spellcheck="false" value=${rulesText} onInput=${(e) => setRulesText(e.currentTarget.value)}></textarea>
        </label>
        <p class="hint">Each rule: <code>{"name", "when": {"field": "model" | "header.x-tier" | "metadata.team", "op": "eq", "value"}, "targets": [{"provider", "model"}]}</code>. The first matching rule wins; <code>default</code> applies otherwise.</p>`
        }`
        : html`<ol class="targets">
          ${shown.map(
            (t, i) => html`<${TargetRow} target=${t} index=${i} count=${shown.length} models=${models} mode=${mode}
            onChange=${(next) => update(i, next)} onMove=${(d) => move(i, d)} onRemove=${() => setTargets(targets.filter((_, j) => j !== i))} />`,
          )}
        </ol>
        ${mode !== 'single' ? html`<button type="button" onClick=${() => setTargets([...targets, { provider: '', model: '', weight: 1 }])}>Add ${mode === 'fallback' ? 'a fallback' : 'a target'}</button>` : null}
        ${
          mode === 'split' && totalWeight > 0
            ? html`<p class="hint" aria-live="polite">Split: ${targets.map((t) => `${t.model || '?'} ${Math.round(((Number(t.weight ?? 1) || 0) / totalWeight) * 100)}%`).join(' · ')}</p>`
            : null
        }`
    }
    <label class="switch"><input type="checkbox" checked=${active} onChange=${(e) => setActive(e.currentTarget.checked)} /> Active (off: the gateway's default routing applies)</label>
    ${message ? html`<p class=${message.ok ? 'ok' : 'error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>` : null}
    <div class="actions"><button type="submit" class="primary">Save routing</button></div>
  </form>`;
}
