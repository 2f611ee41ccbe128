import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtInt, fmtMs, fmtTime } from '../lib/format.js';
import { Badge, PageHeader, Status } from '../components/bits.js';
import { Dialog } from '../components/dialog.js';
import { fmtPct, fmtScore, target } from '../components/experiment-bits.js';

const fmtDuration = (ms) =>
  ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`;

/** The ramp: every step's share, the current one marked. */
function Ramp({ canary }) {
  const { definition: d, state } = canary;
  const done = (i) => state.status === 'promoted' || i < state.step;
  return html`<ol class="ramp" aria-label="Ramp steps">${d.steps.map((share, i) => {
    const current = state.status === 'ramping' && i === state.step;
    const cls = current ? 'current' : state.status === 'rolled_back' && i === state.step ? 'failed' : done(i) ? 'done' : '';
    return html`<li class=${cls} aria-current=${current ? 'step' : undefined}><span class="ramp-share">${share}%</span><span class="ramp-label">${current ? 'now' : done(i) ? 'passed' : cls === 'failed' ? 'rolled back' : `step ${i + 1}`}</span></li>`;
  })}</ol>`;
}

/** The step's figures next to the criteria they must meet. */
function Criteria({ canary }) {
  const { criteria } = canary.definition;
  const { candidate: c, baseline: b } = canary.step;
  const rows = [
    [
      'Error rate',
      criteria.maxErrorRate !== undefined ? `at most ${fmtPct(criteria.maxErrorRate)}` : 'not checked',
      fmtPct(c.errorRate),
      fmtPct(b.errorRate),
      criteria.maxErrorRate !== undefined && c.errorRate !== null ? c.errorRate <= criteria.maxErrorRate : null,
    ],
    [
      'p95 latency',
      criteria.maxP95LatencyMs !== undefined ? `at most ${fmtMs(criteria.maxP95LatencyMs)}` : 'not checked',
      fmtMs(c.p95LatencyMs),
      fmtMs(b.p95LatencyMs),
      criteria.maxP95LatencyMs !== undefined && c.p95LatencyMs !== null ? c.p95LatencyMs <= criteria.maxP95LatencyMs : null,
    ],
    [
      'Quality',
      criteria.qualityMargin !== undefined ? `no more than ${criteria.qualityMargin} below the baseline` : 'not checked',
      fmtScore(c.qualityMean),
      fmtScore(b.qualityMean),
      criteria.qualityMargin !== undefined && c.qualityMean !== null && b.qualityMean !== null ? c.qualityMean >= b.qualityMean - criteria.qualityMargin : null,
    ],
  ];
  return html`<section aria-labelledby="criteria-title">
    <h2 id="criteria-title">Success criteria (this step)</h2>
    <div class="table-wrap"><table>
      <caption class="sr-only">Criteria and the current step's figures</caption>
      <thead><tr><th scope="col">Criterion</th><th scope="col">Must be</th><th scope="col" class="num">Candidate</th><th scope="col" class="num">Baseline</th><th scope="col">Met</th></tr></thead>
      <tbody>
        <tr><th scope="row">Requests</th><td>at least ${fmtInt(canary.definition.minSamples)} in ${fmtDuration(canary.definition.stepDurationMs)}</td><td class="num">${fmtInt(c.requests)}</td><td class="num">${fmtInt(b.requests)}</td>
          <td>${c.requests >= canary.definition.minSamples ? html`<span class="badge ok">yes</span>` : html`<span class="muted">not yet</span>`}</td></tr>
        ${rows.map(
          ([
            name,
            rule,
            cv,
            bv,
            met,
          ]) => html`<tr data-criterion=${name}><th scope="row">${name}</th><td>${rule}</td><td class="num">${cv}</td><td class="num">${bv}</td>
          <td>${met === null ? html`<span class="muted">—</span>` : met ? html`<span class="badge ok">yes</span>` : html`<span class="badge bad">no</span>`}</td></tr>`,
        )}
      </tbody>
    </table></div>
    <p class="hint">Figures of the current step on this instance; they start over at every step.</p>
  </section>`;
}

function History({ history }) {
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title">History</h2>
    ${
      history.length === 0
        ? html`<p class="muted">No transitions yet: the canary is on its first step.</p>`
        : html`<div class="table-wrap"><table>
          <caption class="sr-only">Transitions, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col" class="num">Share after</th><th scope="col">Decided by</th><th scope="col">Reason</th></tr></thead>
          <tbody>${[...history]
            .reverse()
            .map(
              (h) =>
                html`<tr><td>${fmtTime(h.at)}</td><td>${h.from === h.to ? `step ${h.step} passed` : html`<${Badge} value=${h.from} /> → <${Badge} value=${h.to} />`}</td><td class="num">${h.share}%</td><td>${h.criterion.replace(/_/g, ' ')}</td><td>${h.reason}</td></tr>`,
            )}</tbody>
        </table></div>`
    }
  </section>`;
}

/** Ask for a reason, then act (pass step, promote, roll back). */
function Decide({ what, onConfirm, onClose, busy }) {
  const [reason, setReason] = useState('');
  return html`<${Dialog} title=${what.title} onClose=${onClose}>
    <form onSubmit=${(e) => {
      e.preventDefault();
      onConfirm(reason.trim());
    }}>
      <p>${what.message}</p>
      <label>Reason (kept in the history)<input value=${reason} maxlength="200" onInput=${(e) => setReason(e.currentTarget.value)} placeholder=${what.placeholder} /></label>
      <div class="actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class=${what.danger ? 'danger' : 'primary'} disabled=${busy}>${what.action}</button>
      </div>
    </form>
  <//>`;
}

/** One canary: its ramp, criteria, step figures and history, with promote and rollback. */
export function CanaryDetail({ id }) {
  const loaded = useLoad(() => admin.get(`/canaries/${encodeURIComponent(id)}`), [id]);
  const [changed, setChanged] = useState(null);
  const [asking, setAsking] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const canary = changed?.definition.id === id ? changed : loaded.data;
  if (!canary) return html`<${PageHeader} title=${id} /><${Status} loading=${loaded.loading} error=${loaded.error} />`;

  const { definition: d, state } = canary;
  const path = `/canaries/${encodeURIComponent(id)}`;
  const last = state.step >= d.steps.length - 1;
  const ACTIONS = {
    next: {
      title: last ? 'Promote the canary?' : `Pass step ${state.step + 1} now?`,
      message: last
        ? 'The candidate takes all the traffic.'
        : `The candidate's share goes from ${d.steps[state.step]}% to ${d.steps[state.step + 1]}% without waiting for the criteria.`,
      action: last ? 'Promote' : 'Pass step',
      placeholder: 'looks good',
      call: (reason) => admin.post(`${path}/promote`, reason ? { reason } : {}),
    },
    full: {
      title: 'Promote fully?',
      message: 'The candidate takes all the traffic now; the remaining steps are skipped.',
      action: 'Promote fully',
      placeholder: 'verified by hand',
      call: (reason) => admin.post(`${path}/promote`, { full: true, ...(reason ? { reason } : {}) }),
    },
    rollback: {
      title: `Roll back ${id}?`,
      message: 'All traffic returns to the baseline at once.',
      action: 'Roll back',
      danger: true,
      placeholder: 'what went wrong',
      call: (reason) => admin.post(`${path}/rollback`, reason ? { reason } : {}),
    },
  };
  const act = async (reason) => {
    setBusy(true);
    setError(null);
    try {
      setChanged(await ACTIONS[asking].call(reason));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setAsking(null);
    }
  };

  return html`<${PageHeader} title=${d.id}>
      <${Badge} value=${state.status} />
      <button type="button" onClick=${() => {
        setChanged(null);
        loaded.reload();
      }}>Refresh</button>
      ${state.status === 'ramping' ? html`<button type="button" onClick=${() => setAsking('next')}>${last ? 'Promote' : 'Pass step'}</button>` : null}
      ${state.status === 'ramping' && !last ? html`<button type="button" onClick=${() => setAsking('full')}>Promote fully</button>` : null}
      ${state.status !== 'rolled_back' ? html`<button type="button" class="danger" onClick=${() => setAsking('rollback')}>Roll back</button>` : null}
    <//>
    <p><a href="#/experiments">All experiments</a></p>
    ${error ? html`<p class="error" role="alert">${error.message}</p>` : null}
    <dl class="facts card">
      <dt>Models</dt><dd>${d.models.join(', ')}</dd>
      <dt>Baseline</dt><dd>${target(d.baseline)}</dd>
      <dt>Candidate</dt><dd>${target(d.candidate)}</dd>
      <dt>Candidate share</dt><dd><strong data-share>${canary.share}%</strong>${state.status === 'ramping' ? ` (step ${state.step + 1} of ${d.steps.length}, since ${fmtTime(state.stepStartedAt)})` : ''}</dd>
      ${state.reason ? html`<dt>${state.status === 'rolled_back' ? 'Rolled back because' : 'Last change'}</dt><dd>${state.reason}</dd>` : null}
    </dl>
    <section aria-labelledby="ramp-title"><h2 id="ramp-title">Ramp</h2><${Ramp} canary=${canary} /></section>
    <${Criteria} canary=${canary} />
    <${History} history=${state.history ?? []} />
    ${asking ? html`<${Decide} what=${ACTIONS[asking]} busy=${busy} onConfirm=${act} onClose=${() => setAsking(null)} />` : null}`;
}
