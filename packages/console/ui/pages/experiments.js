import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin, query } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { useLoad } from '../lib/use-load.js';
import { fmtAgo, fmtInt } from '../lib/format.js';
import { Badge, PageHeader, Status } from '../components/bits.js';
import { FormDialog } from '../components/dialog.js';
import { fmtInterval, fmtScore, target, verdictText } from '../components/experiment-bits.js';

const DAY = 86_400_000;
/** What the gateway takes as an experiment's or a canary's id. */
const ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}';
const METRICS = [
  ['success_rate', 'Success rate'],
  ['latency', 'Latency'],
  ['cost', 'Cost per request'],
  ['quality', 'Quality (ratings)'],
];

/** A 404 from the admin API means the gateway has no experiments piece: say so instead of failing. */
const orAbsent = (promise) => promise.catch((err) => (err.status === 404 ? { data: null } : Promise.reject(err)));

const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Start an A/B test: id, matching models, metric, minimum sample and two or more arms. */
function StartTest({ onClose }) {
  const [arms, setArms] = useState([{ name: 'control' }, { name: 'candidate' }]);
  const start = async (form) => {
    const value = (name) => form.elements.namedItem(name).value.trim();
    const models = list(value('models'));
    const minSamples = value('min_samples');
    const body = {
      id: value('id'),
      ...(value('description') ? { description: value('description') } : {}),
      match: models.length ? { models } : {},
      metric: value('metric'),
      ...(minSamples ? { minSamples: Number(minSamples) } : {}),
      arms: arms.map((_, i) => ({
        name: value(`arm-${i}-name`),
        provider: value(`arm-${i}-provider`),
        model: value(`arm-${i}-model`),
        share: Number(value(`arm-${i}-share`)),
      })),
    };
    const started = await admin.post('/experiments', body);
    navigate(`/experiments/ab/${encodeURIComponent(started.id)}`);
  };
  return html`<${FormDialog} title="Start an A/B test" submitLabel="Start test" action=${start} onClose=${onClose} wide>
    <div class="grid-fields">
      <label>Id<input name="id" required pattern=${ID_PATTERN} autocomplete="off" placeholder="mini-vs-haiku" /></label>
      <label>Requested models<input name="models" autocomplete="off" placeholder="fast, gpt-4o-mini" /></label>
      <label>Decide on<select name="metric">${METRICS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
      <label>Requests per arm before a verdict<input name="min_samples" type="number" min="2" step="1" placeholder="gateway default" /></label>
    </div>
    <label>Description<input name="description" maxlength="200" autocomplete="off" /></label>
    <fieldset><legend>Arms (the first is the control)</legend>
      <ol class="arms">${arms.map((arm, i) => {
        const field = (name, label, extra = {}) => html`<div class=${`field ${name}`}>
          <label for=${`arm-${i}-${name}`}>${label}</label>
          <input id=${`arm-${i}-${name}`} name=${`arm-${i}-${name}`} aria-label=${`Arm ${i + 1} ${name}`} required ...${extra} />
        </div>`;
        return html`<li class="arm-row" key=${i}>
          ${field('name', 'Name', { defaultValue: arm.name })}${field('provider', 'Provider')}${field('model', 'Model')}
          ${field('share', 'Share', { type: 'number', min: '1', step: 'any', defaultValue: '50' })}
        </li>`;
      })}</ol>
      <div class="page-actions">
        <button type="button" class="small" disabled=${arms.length >= 10} onClick=${() => setArms((a) => [...a, { name: `arm-${a.length + 1}` }])}>Add arm</button>
        <button type="button" class="small" disabled=${arms.length <= 2} onClick=${() => setArms((a) => a.slice(0, -1))}>Remove last arm</button>
      </div>
    </fieldset>
  <//>`;
}

const DEFAULT_STEPS = '1, 5, 25, 50, 100';

/**
 * Start a canary rollout: the requested models whose traffic it shares, the baseline and the
 * candidate, the ramp (percent per step, ending at 100), how long and how many requests a step
 * takes, and the criteria every step must meet (a breach rolls it back at once).
 */
function StartCanary({ onClose }) {
  const start = async (form) => {
    const value = (name) => form.elements.namedItem(name).value.trim();
    const number = (name, scale = 1) => (value(name) === '' ? undefined : Number(value(name)) * scale);
    const criteria = {
      maxErrorRate: value('max_error_rate') === '' ? undefined : Number(value('max_error_rate')) / 100,
      maxP95LatencyMs: number('max_p95_latency_ms'),
      qualityMargin: number('quality_margin'),
    };
    const body = {
      id: value('id'),
      models: list(value('models')),
      baseline: { provider: value('baseline-provider'), model: value('baseline-model') },
      candidate: { provider: value('candidate-provider'), model: value('candidate-model') },
      steps: list(value('steps') || DEFAULT_STEPS).map(Number),
      stepDurationMs: number('step_minutes', 60_000),
      minSamples: number('min_samples'),
      criteria: Object.fromEntries(Object.entries(criteria).filter(([, v]) => v !== undefined)),
    };
    const created = await admin.post('/canaries', body);
    navigate(`/experiments/canary/${encodeURIComponent(created.definition.id)}`);
  };
  const pair = (side, legend) => html`<fieldset><legend>${legend}</legend>
    <div class="grid-fields">
      <label>${legend} provider<input name=${`${side}-provider`} required autocomplete="off" /></label>
      <label>${legend} model<input name=${`${side}-model`} required autocomplete="off" /></label>
    </div>
  </fieldset>`;
  return html`<${FormDialog} title="Start a canary rollout" submitLabel="Start canary" action=${start} onClose=${onClose} wide>
    <div class="grid-fields">
      <label>Id<input name="id" required pattern=${ID_PATTERN} autocomplete="off" placeholder="new-model" /></label>
      <label>Requested models<input name="models" required autocomplete="off" placeholder="gpt-4o, fast" /></label>
    </div>
    ${pair('baseline', 'Baseline')}${pair('candidate', 'Candidate')}
    <fieldset><legend>Ramp</legend>
      <div class="grid-fields">
        <label>Candidate share per step, %<input name="steps" autocomplete="off" placeholder=${DEFAULT_STEPS} /></label>
        <label>Shortest step, minutes<input name="step_minutes" type="number" min="0" step="any" placeholder="10" /></label>
        <label>Candidate requests per step<input name="min_samples" type="number" min="1" step="1" placeholder="50" /></label>
      </div>
    </fieldset>
    <fieldset><legend>Roll back when, at any step (empty: not checked)</legend>
      <div class="grid-fields">
        <label>Error rate above, %<input name="max_error_rate" type="number" min="0" max="100" step="any" placeholder="e.g. 5" /></label>
        <label>p95 latency above, ms<input name="max_p95_latency_ms" type="number" min="0" step="1" placeholder="e.g. 3000" /></label>
        <label>Mean rating below the baseline's by more than<input name="quality_margin" type="number" min="0" max="1" step="any" placeholder="e.g. 0.1" /></label>
      </div>
    </fieldset>
  <//>`;
}

function AbTable({ tests }) {
  return html`<div class="table-wrap"><table>
    <caption class="sr-only">A/B tests</caption>
    <thead><tr><th scope="col">Test</th><th scope="col">Status</th><th scope="col">Arms</th><th scope="col">Decides on</th><th scope="col" class="num">Requests</th><th scope="col">Verdict</th><th scope="col">Started</th></tr></thead>
    <tbody>${tests.map(
      (t) => html`<tr data-experiment=${t.id}>
        <th scope="row"><a href=${`#/experiments/ab/${encodeURIComponent(t.id)}`}>${t.id}</a>${t.description ? html`<br /><span class="muted">${t.description}</span>` : null}</th>
        <td><${Badge} value=${t.status} /></td>
        <td>${t.arms.map((a) => html`<div>${a.name}: <span class="muted">${target(a)}</span></div>`)}</td>
        <td>${METRICS.find(([v]) => v === t.metric)?.[1] ?? t.metric}</td>
        <td class="num">${fmtInt(t.arms.reduce((n, a) => n + a.requests, 0))}</td>
        <td>${t.declaredWinner ? html`Declared: <strong>${t.declaredWinner}</strong>` : verdictText(t)}</td>
        <td>${fmtAgo(t.startedAt)}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function CanaryTable({ canaries }) {
  return html`<div class="table-wrap"><table>
    <caption class="sr-only">Canary rollouts</caption>
    <thead><tr><th scope="col">Canary</th><th scope="col">Status</th><th scope="col">Models</th><th scope="col">Baseline → candidate</th><th scope="col" class="num">Share</th><th scope="col">Step</th><th scope="col">Last change</th></tr></thead>
    <tbody>${canaries.map((c) => {
      const { definition: d, state } = c;
      return html`<tr data-canary=${d.id}>
        <th scope="row"><a href=${`#/experiments/canary/${encodeURIComponent(d.id)}`}>${d.id}</a></th>
        <td><${Badge} value=${state.status === 'promoted' ? 'promoted' : state.status} /></td>
        <td>${d.models.join(', ')}</td>
        <td>${target(d.baseline)} → ${target(d.candidate)}</td>
        <td class="num">${c.share}%</td>
        <td>${state.status === 'ramping' ? `${state.step + 1} of ${d.steps.length}` : '—'}</td>
        <td>${fmtAgo(state.stepStartedAt)}${state.reason ? html`<br /><span class="muted">${state.reason}</span>` : null}</td>
      </tr>`;
    })}</tbody>
  </table></div>`;
}

/** Mean rating per provider / model / category with its 95% interval. */
function Quality({ days, setDays }) {
  const quality = useLoad(() => orAbsent(admin.get(`/quality${query({ from: Date.now() - days * DAY })}`)), [days]);
  const rows = quality.data?.data ?? [];
  return html`<section aria-labelledby="quality-title">
    <div class="section-head">
      <h2 id="quality-title" class="flush">Quality ratings</h2>
      <label class="inline">Period<select value=${days} onChange=${(e) => setDays(Number(e.currentTarget.value))}>
        <option value="1">Last 24 hours</option><option value="7">Last 7 days</option><option value="30">Last 30 days</option>
      </select></label>
    </div>
    <${Status} loading=${quality.loading && !quality.data} error=${quality.error} />
    ${quality.data && rows.length === 0 ? html`<p class="muted">No ratings in this period. Clients rate their requests with <code>POST /v1/feedback</code>.</p>` : null}
    ${
      rows.length
        ? html`<div class="table-wrap"><table>
          <caption class="sr-only">Quality ratings</caption>
          <thead><tr><th scope="col">Provider</th><th scope="col">Model</th><th scope="col">Category</th><th scope="col" class="num">Ratings</th><th scope="col" class="num">Mean</th><th scope="col" class="num">95% interval</th></tr></thead>
          <tbody>${rows.map(
            (r) => html`<tr data-quality=${`${r.provider}/${r.model}/${r.category ?? ''}`}>
              <th scope="row">${r.provider ?? '—'}</th><td>${r.model ?? '—'}</td><td>${r.category ?? html`<span class="muted">none</span>`}</td>
              <td class="num">${fmtInt(r.count)}</td><td class="num">${fmtScore(r.mean)}</td><td class="num">${r.ci95 ? fmtInterval(r.ci95, fmtScore) : '—'}</td>
            </tr>`,
          )}</tbody>
        </table></div>`
        : null
    }
  </section>`;
}

/**
 * A/B tests and canaries with their state, and the quality ratings they are judged by. `create`
 * opens the dialog that starts one: `'ab'` or `'canary'`.
 */
export function Experiments({ create }) {
  const tests = useLoad(() => orAbsent(admin.get('/experiments')), []);
  const canaries = useLoad(() => orAbsent(admin.get('/canaries')), []);
  const [days, setDays] = useState(30);
  const absent = tests.data?.data === null;
  return html`<${PageHeader} title="Experiments">
      <button type="button" onClick=${() => {
        tests.reload();
        canaries.reload();
      }}>Refresh</button>
      ${absent ? null : html`<a class="button" href="#/experiments?new-canary">Start canary</a><a class="button primary" href="#/experiments?new">Start A/B test</a>`}
    <//>
    ${absent ? html`<p class="muted">Experiments are not enabled on this gateway (<code>experiments.enabled</code>).</p>` : null}
    <section aria-labelledby="ab-title">
      <h2 id="ab-title">A/B tests</h2>
      <${Status} loading=${tests.loading && !tests.data} error=${tests.error} />
      ${tests.data?.data?.length ? html`<${AbTable} tests=${tests.data.data} />` : tests.data?.data ? html`<p class="muted">No A/B tests yet.</p>` : null}
    </section>
    <section aria-labelledby="canaries-title">
      <h2 id="canaries-title">Canary rollouts</h2>
      <${Status} loading=${canaries.loading && !canaries.data} error=${canaries.error} />
      ${canaries.data?.data?.length ? html`<${CanaryTable} canaries=${canaries.data.data} />` : canaries.data?.data ? html`<p class="muted">No canaries yet.</p>` : null}
    </section>
    <${Quality} days=${days} setDays=${setDays} />
    ${create === 'ab' && !absent ? html`<${StartTest} onClose=${() => navigate('/experiments')} />` : null}
    ${create === 'canary' && !absent ? html`<${StartCanary} onClose=${() => navigate('/experiments')} />` : null}`;
}
