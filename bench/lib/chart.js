// Charts for BENCHMARKS.md: Vega-Lite specifications rendered to SVG files, no browser needed.
import * as vega from 'vega';
import { compile } from 'vega-lite';

const baseConfig = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 420 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 300 },
  title: { fontSize: 14, anchor: 'start' },
};

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec) {
  const { spec: compiled } = compile({ config: baseConfig, ...spec });
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** A horizontal bar chart of `value` per `label`, optionally coloured by `series` (side by side, or stacked). */
export function barChart({ title, rows, valueTitle, labelTitle = '', series, stacked = false, width = 520 }) {
  return {
    title,
    width,
    height: { step: 22 },
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'label', type: 'nominal', title: labelTitle, sort: null },
      x: { field: 'value', type: 'quantitative', title: valueTitle },
      ...(series ? { color: { field: 'series', type: 'nominal', title: series, sort: null } } : {}),
      ...(series && !stacked ? { yOffset: { field: 'series' } } : {}),
    },
  };
}
