import { html } from '../lib/html.js';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4b5563', '#db2777'];

/** The colour of series `i` (the legend and the bars agree). */
export const colour = (i) => PALETTE[i % PALETTE.length];

/**
 * A stacked bar chart in SVG: one bar per bucket, one segment per series. Presentation
 * attributes only (no inline style), so the strict CSP holds. The numbers are in the table
 * below each chart; the SVG carries a summary for screen readers.
 */
export function StackedBars({ buckets, series, value, label, format }) {
  const width = 640;
  const height = 200;
  const pad = 24;
  const totals = buckets.map((b) => series.reduce((s, name) => s + (value(b, name) || 0), 0));
  const max = Math.max(...totals, 0) || 1;
  const barW = (width - pad) / Math.max(1, buckets.length);
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${width} ${height + pad}`} role="img" aria-label=${`${label}: ${format(totals.reduce((a, b) => a + b, 0))} in total over ${buckets.length} periods`}>
      <line x1=${pad} y1=${height} x2=${width} y2=${height} stroke="#cbd5e1" />
      <text x="0" y="12" class="axis">${format(max)}</text>
      ${buckets.map((b, i) => {
        let y = height;
        return html`<g>
          ${series.map((name, s) => {
            const h = ((value(b, name) || 0) / max) * (height - 16);
            y -= h;
            return h > 0
              ? html`<rect x=${pad + i * barW + 2} y=${y} width=${Math.max(1, barW - 4)} height=${h} fill=${colour(s)}><title>${`${name}: ${format(value(b, name))} (${b.label})`}</title></rect>`
              : null;
          })}
          ${i % Math.ceil(buckets.length / 8) === 0 ? html`<text x=${pad + i * barW + 2} y=${height + 16} class="axis">${b.label}</text>` : null}
        </g>`;
      })}
    </svg>
    <figcaption class="legend">${series.map((name, s) => html`<span><i class="swatch" data-colour=${s % PALETTE.length}></i>${name}</span>`)}</figcaption>
  </figure>`;
}
