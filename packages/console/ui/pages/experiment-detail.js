import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { admin } from '../lib/api.js';
import { useLoad } from '../lib/use-load.js';
import { fmtInt, fmtMs, fmtTime, fmtUsd } from '../lib/format.js';
import { Badge, PageHeader, Status } from '../components/bits.js';
import { Confirm } from '../components/dialog.js';
import { fmtP, fmtPct, fmtScore, target, verdictText, WithInterval } from '../components/experiment-bits.js';

const METRIC_NAMES = { success_rate: 'success rate', latency: 'latency', cost: 'cost per answer', quality: 'quality' };

/** A metric's difference (arm − control) in its own unit. */
function fmtDifference(metric, d) {
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const abs = Math.abs(d);
  if (metric === 'success_rate') return `${sign}${(abs * 100).toFixed(1)} pts`;
  if (metric === 'latency') return `${sign}${fmtMs(abs)}`;
  if (metric === 'cost') return `${sign}${fmtUsd(abs)}`;
  return `${sign}${abs.toFixed(3)}`;
}

/** The verdict, in words: a winner is named only when the report says it is significant. */
function Verdict({ report }) {
  const primary = report.comparisons.filter((c) => c.metric === report.metric);
  const fewest = Math.min(...report.arms.map((a) => (report.metric === 'quality' ? Math.min(a.requests, a.qualityRatings) : a.requests)));
  const best = report.winner
    ? (primary.find((c) => c.arm === report.winner) ?? primary.reduce((a, b) => (a.pValue > b.pValue ? a : b), primary[0]))
    : undefined;
  const tone = report.verdict === 'winner' ? 'good' : report.verdict === 'insufficient_data' ? 'pending' : 'neutral';
  return html`<section class=${`card verdict verdict-${tone}`} aria-labelledby="verdict-title" data-verdict=${report.verdict}>
    <h2 id="verdict-title">${verdictText(report)}</h2>
    ${
      report.verdict === 'insufficient_data'
        ? html`<p>Every arm needs ${fmtInt(report.minSamples)} ${report.metric === 'quality' ? 'requests and ratings' : 'requests'} before a verdict; the smallest has ${fmtInt(fewest)}. Differences are not tested until then.</p>`
        : report.verdict === 'winner'
          ? html`<p><strong>${report.winner}</strong> is significantly better on ${METRIC_NAMES[report.metric]}${best ? html` (p ${best.pValue < 0.0001 ? '' : '= '}${fmtP(best.pValue)}, ${best.method}, α = ${report.alpha})` : null}.</p>`
          : html`<p>No arm differs from the control on ${METRIC_NAMES[report.metric]} at α = ${report.alpha}.</p>`
    }
    ${report.declaredWinner ? html`<p>An operator declared <strong>${report.declaredWinner}</strong> the winner.</p>` : null}
  </section>`;
}

function Arms({ report }) {
  return html`<section aria-labelledby="arms-title">
    <h2 id="arms-title">Arms</h2>
    <div class="table-wrap"><table>
      <caption class="sr-only">Figures per arm</caption>
      <thead><tr><th scope="col">Arm</th><th scope="col">Target</th><th scope="col" class="num">Share</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Success rate</th>
        <th scope="col" class="num">Latency p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">TTFT</th><th scope="col" class="num" title="Mean cost of a successful request">Cost / answer</th><th scope="col" class="num">Quality</th></tr></thead>
      <tbody>${report.arms.map(
        (a, i) => html`<tr data-arm=${a.name}>
          <th scope="row">${a.name}${i === 0 ? html` <span class="muted">(control)</span>` : null}${report.winner === a.name ? html` <span class="badge ok">winner</span>` : null}</th>
          <td class="target">${target(a)}</td>
          <td class="num">${fmtPct(a.share, 0)}</td>
          <td class="num">${fmtInt(a.requests)}</td>
          <td class="num"><${WithInterval} value=${a.successRate} ci=${a.successRateCi95} fmt=${fmtPct} /></td>
          <td class="num">${fmtMs(a.latencyP50Ms)}</td>
          <td class="num">${fmtMs(a.latencyP95Ms)}</td>
          <td class="num">${fmtMs(a.ttftMeanMs)}</td>
          <td class="num">${fmtUsd(a.costPerRequestUsd)}</td>
          <td class="num"><${WithInterval} value=${a.qualityMean} ci=${a.qualityCi95} fmt=${fmtScore} />${a.qualityRatings ? html`<br /><span class="muted ci">${fmtInt(a.qualityRatings)} rating${a.qualityRatings === 1 ? '' : 's'}</span>` : null}</td>
        </tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

function Significance({ report }) {
  const control = report.arms[0]?.name;
  return html`<section aria-labelledby="significance-title">
    <h2 id="significance-title">Significance</h2>
    ${
      report.comparisons.length === 0
        ? html`<p class="muted">Tested once every arm has ${fmtInt(report.minSamples)} requests. Methods: ${Object.entries(report.methods).map(([m, how], i) => html`${i ? '; ' : ''}${METRIC_NAMES[m]}: ${how}`)}.</p>`
        : html`<div class="table-wrap"><table>
          <caption class="sr-only">Each arm against the control, per metric</caption>
          <thead><tr><th scope="col">Metric</th><th scope="col">Arm vs ${control}</th><th scope="col" class="num">Difference</th><th scope="col" class="num">Statistic</th><th scope="col" class="num">p-value</th><th scope="col">Method</th><th scope="col">Significant</th></tr></thead>
          <tbody>${report.comparisons.map(
            (c) => html`<tr data-metric=${c.metric} data-arm=${c.arm}>
              <th scope="row">${METRIC_NAMES[c.metric]}${c.metric === report.metric ? html` <span class="muted">(decides)</span>` : null}</th>
              <td>${c.arm}</td>
              <td class="num">${fmtDifference(c.metric, c.difference)}</td>
              <td class="num">${c.method.startsWith('two') ? 'z' : 't'} = ${c.statistic.toFixed(2)}${c.df ? html`<span class="muted">, df ${c.df.toFixed(0)}</span>` : null}</td>
              <td class="num">${fmtP(c.pValue)}</td>
              <td>${c.method}</td>
              <td>${c.significant ? html`<span class=${`badge ${c.better ? 'ok' : 'bad'}`}>${c.better ? 'yes, better' : 'yes, worse'}</span>` : html`<span class="muted">no</span>`}</td>
            </tr>`,
          )}</tbody>
        </table></div>`
    }
  </section>`;
}

/** One A/B test: figures per arm, each metric's significance, the verdict, and its actions. */
export function ExperimentDetail({ id }) {
  const loaded = useLoad(() => admin.get(`/experiments/${encodeURIComponent(id)}`), [id]);
  const [changed, setChanged] = useState(null);
  const [asking, setAsking] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const report = changed?.id === id ? changed : loaded.data;
  if (!report) return html`<${PageHeader} title=${id} /><${Status} loading=${loaded.loading} error=${loaded.error} />`;

  const act = async (call) => {
    setBusy(true);
    setError(null);
    try {
      setChanged(await call());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setAsking(null);
    }
  };
  const path = `/experiments/${encodeURIComponent(id)}`;
  const stop = () => act(() => admin.post(`${path}/stop`));
  const declare = (arm) => act(() => admin.post(`${path}/declare`, { arm }));
  const restart = () =>
    act(() =>
      admin.post('/experiments', {
        id: report.id,
        ...(report.description ? { description: report.description } : {}),
        match: report.match,
        arms: report.arms.map(({ name, provider, model, share }) => ({ name, provider, model, share })),
        metric: report.metric,
        minSamples: report.minSamples,
        alpha: report.alpha,
      }),
    );
  const m = report.match;
  const matches = [
    m.models && `models ${m.models.join(', ')}`,
    m.keys && `keys ${m.keys.join(', ')}`,
    m.metadata &&
      `metadata ${Object.entries(m.metadata)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
  ].filter(Boolean);

  return html`<${PageHeader} title=${report.id}>
      <${Badge} value=${report.status} />
      <button type="button" onClick=${() => {
        setChanged(null);
        loaded.reload();
      }}>Refresh</button>
      ${report.status === 'running' ? html`<button type="button" class="danger" onClick=${() => setAsking({ stop: true })}>Stop test</button>` : html`<button type="button" onClick=${restart} disabled=${busy}>Start again</button>`}
    <//>
    <p><a href="#/experiments">All experiments</a></p>
    ${error ? html`<p class="error" role="alert">${error.message}</p>` : null}
    <dl class="facts card">
      ${report.description ? html`<dt>Description</dt><dd>${report.description}</dd>` : null}
      <dt>Takes</dt><dd>${matches.length ? matches.join('; ') : 'every request'}</dd>
      <dt>Decides on</dt><dd>${METRIC_NAMES[report.metric]} (α = ${report.alpha}, ${fmtInt(report.minSamples)} per arm first)</dd>
      <dt>Started</dt><dd>${fmtTime(report.startedAt)}</dd>
      ${report.stoppedAt ? html`<dt>Stopped</dt><dd>${fmtTime(report.stoppedAt)}</dd>` : null}
    </dl>
    <${Verdict} report=${report} />
    <${Arms} report=${report} />
    <${Significance} report=${report} />
    <section class="card" aria-labelledby="declare-title">
      <h2 id="declare-title">Declare a winner</h2>
      <p class="hint">Records your decision and stops the test. ${report.verdict === 'winner' ? `The figures favour ${report.winner}.` : 'The figures name no significant winner yet.'}</p>
      <form class="inline-form" onSubmit=${(e) => {
        e.preventDefault();
        setAsking({ arm: e.currentTarget.elements.namedItem('arm').value });
      }}>
        <label>Winning arm<select name="arm">${report.arms.map((a) => html`<option value=${a.name} selected=${(report.declaredWinner ?? report.winner) === a.name}>${a.name}</option>`)}</select></label>
        <button type="submit" disabled=${busy}>Declare winner</button>
      </form>
    </section>
    ${
      asking?.stop
        ? html`<${Confirm} title=${`Stop ${report.id}?`} message="Matching requests go back to normal routing. The figures are kept." action="Stop test" busy=${busy} onConfirm=${stop} onClose=${() => setAsking(null)} />`
        : null
    }
    ${
      asking?.arm
        ? html`<${Confirm} title=${`Declare ${asking.arm} the winner?`} message=${`This records ${asking.arm} as the winner of ${report.id} and stops the test.`} action="Declare winner" busy=${busy} onConfirm=${() => declare(asking.arm)} onClose=${() => setAsking(null)} />`
        : null
    }`;
}
