// Small Markdown builders for the benchmark report and the README figure blocks.

/** A Markdown table: the first `textColumns` columns left-aligned, the others (figures) right-aligned. */
export function table(columns, rows, { textColumns = 1 } = {}) {
  const head = `| ${columns.join(' | ')} |`;
  const rule = `| ${columns.map((c, i) => (i < textColumns ? '---' : '---:')).join(' | ')} |`;
  return [head, rule, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** A number with `digits` decimals, with thousands separators when `grouped`; 'n/a' when missing. */
export function decimal(value, digits = 0, { grouped = false } = {}) {
  if (!Number.isFinite(value)) return 'n/a';
  return grouped
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : value.toFixed(digits);
}

/** "1.23 (1.10–1.40)": a median with its min–max over rounds ('n/a' when no round measured it). */
export function spread(summary, digits = 2, { grouped = false } = {}) {
  if (!summary || !Number.isFinite(summary.median)) return 'n/a';
  const f = (value) => decimal(value, digits, { grouped });
  return `${f(summary.median)} (${f(summary.min)}–${f(summary.max)})`;
}

export function ratio(value, digits = 2) {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : 'n/a';
}

export function integer(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/**
 * Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in a document.
 * Figures quoted in READMEs live only inside such blocks, so they are regenerated, never copied.
 */
export function replaceBlock(document, name, content) {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start === -1 || end === -1 || end < start) return { document, replaced: false };
  return {
    document: `${document.slice(0, start + open.length)}\n${content}\n${document.slice(end)}`,
    replaced: true,
  };
}
