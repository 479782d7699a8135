/**
 * Bar and stacked-bar charts drawn by the server as inline SVG: no script, no style attribute
 * (the pages' CSP allows neither), only SVG presentation attributes. Each chart names itself with
 * <title>/<desc> for screen readers, each bar carries its value in a <title>, and the same data
 * is offered as a table (chartTable) for anyone the picture does not serve.
 */

export interface ChartSeries { label: string; color: string }

export interface BarChart {
  /** Unique on the page: ids of the title and description derive from it. */
  id: string;
  title: string;
  desc: string;
  /** One bar (or stack) per category, left to right. */
  categories: string[];
  series: ChartSeries[];
  /** values[category][series]; non-negative. */
  values: number[][];
  /** Label every n-th category only (24 hours do not fit under a phone-width chart). */
  labelEvery?: number;
}

/** Distinguishable in colour and in greyscale, and readable as fills on white. */
export const PALETTE = ['#1f5f99', '#d9822b', '#3a8a55', '#b8322f', '#7b5ea7', '#6b6b6b', '#2a9db5', '#a07c1c'];

// Drawn at about phone width, so that 13 units of text stay readable when the card scales it down.
const W = 400;
const PLOT_TOP = 16;
const PLOT_LEFT = 44;
const PLOT_RIGHT = 8;
const PLOT_HEIGHT = 180;
const LEGEND_ROW = 20;
const FONT = 'font-family="sans-serif" font-size="13"';
const LEGEND_COLUMNS = 2;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const num = (n: number) => String(Math.round(n * 100) / 100);

/** A round upper bound for the axis: 1, 2 or 5 × 10^k at or above the largest stack. */
export function axisMax(largest: number): number {
  if (largest <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(largest));
  for (const m of [1, 2, 5, 10]) if (m * step >= largest) return m * step;
  return 10 * step;
}

export function stackedBarSvg(chart: BarChart): string {
  const { categories, series, values } = chart;
  const totals = categories.map((_, c) => series.reduce((sum, _s, s) => sum + Math.max(0, values[c]?.[s] ?? 0), 0));
  const top = axisMax(Math.max(0, ...totals));
  const plotWidth = W - PLOT_LEFT - PLOT_RIGHT;
  const slot = plotWidth / Math.max(1, categories.length);
  const barWidth = Math.max(1, slot * 0.7);
  const baseline = PLOT_TOP + PLOT_HEIGHT;
  const legendTop = baseline + 30;
  const legendRows = Math.ceil(series.length / LEGEND_COLUMNS);
  const height = legendTop + legendRows * LEGEND_ROW + 4;
  const every = Math.max(1, chart.labelEvery ?? 1);
  const titleId = `${chart.id}-title`;
  const descId = `${chart.id}-desc`;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${W} ${height}" width="100%" aria-labelledby="${esc(titleId)} ${esc(descId)}">`,
    `<title id="${esc(titleId)}">${esc(chart.title)}</title>`,
    `<desc id="${esc(descId)}">${esc(chart.desc)}</desc>`,
    // Axis: the baseline, the top value and the middle one.
    `<line x1="${PLOT_LEFT}" y1="${baseline}" x2="${W - PLOT_RIGHT}" y2="${baseline}" stroke="#555" stroke-width="1"/>`,
    `<line x1="${PLOT_LEFT}" y1="${PLOT_TOP}" x2="${W - PLOT_RIGHT}" y2="${PLOT_TOP}" stroke="#ddd" stroke-width="1"/>`,
    `<line x1="${PLOT_LEFT}" y1="${PLOT_TOP + PLOT_HEIGHT / 2}" x2="${W - PLOT_RIGHT}" y2="${PLOT_TOP + PLOT_HEIGHT / 2}" stroke="#eee" stroke-width="1"/>`,
    `<text x="${PLOT_LEFT - 4}" y="${PLOT_TOP + 4}" text-anchor="end" ${FONT} fill="#333">${num(top)}</text>`,
    `<text x="${PLOT_LEFT - 4}" y="${PLOT_TOP + PLOT_HEIGHT / 2 + 4}" text-anchor="end" ${FONT} fill="#333">${num(top / 2)}</text>`,
    `<text x="${PLOT_LEFT - 4}" y="${baseline + 4}" text-anchor="end" ${FONT} fill="#333">0</text>`,
  ];
  categories.forEach((category, c) => {
    const x = PLOT_LEFT + c * slot + (slot - barWidth) / 2;
    let y = baseline;
    series.forEach((s, i) => {
      const v = Math.max(0, values[c]?.[i] ?? 0);
      if (v === 0) return;
      const h = (v / top) * PLOT_HEIGHT;
      y -= h;
      out.push(`<rect class="bar" x="${num(x)}" y="${num(y)}" width="${num(barWidth)}" height="${num(h)}" fill="${esc(s.color)}" data-value="${v}"><title>${esc(`${category} · ${s.label}: ${v}`)}</title></rect>`);
    });
    if (c % every === 0) {
      out.push(`<text x="${num(x + barWidth / 2)}" y="${baseline + 14}" text-anchor="middle" ${FONT} fill="#333">${esc(category)}</text>`);
    }
  });
  series.forEach((s, i) => {
    const x = 8 + (i % LEGEND_COLUMNS) * (W / LEGEND_COLUMNS);
    const y = legendTop + Math.floor(i / LEGEND_COLUMNS) * LEGEND_ROW;
    out.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${esc(s.color)}"/>`,
      `<text x="${x + 16}" y="${y + 11}" ${FONT} fill="#222">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** The chart's data as a table: a header row, then one row per category with its total. */
export function chartTable(chart: BarChart, totalLabel: string): { head: string[]; rows: string[][] } {
  return {
    head: ['', ...chart.series.map((s) => s.label), totalLabel],
    rows: chart.categories.map((category, c) => {
      const cells = chart.series.map((_, s) => chart.values[c]?.[s] ?? 0);
      return [category, ...cells.map(String), String(cells.reduce((a, b) => a + b, 0))];
    }),
  };
}
