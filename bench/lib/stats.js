// The statistics every benchmark reports: medians and min–max over interleaved rounds.

const present = (values) => values.filter((v) => v !== null && v !== undefined);

/** Median of the numbers in a list (null entries are ignored); null for an empty list. */
export function median(values) {
  const sorted = present(values).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Smallest and largest of the numbers in a list (null entries are ignored); nulls for an empty list. */
export function range(values) {
  const numbers = present(values);
  if (numbers.length === 0) return { min: null, max: null };
  return { min: Math.min(...numbers), max: Math.max(...numbers) };
}

/**
 * Median, min and max of the samples, with the samples kept for the raw results. A null sample (a
 * round that measured nothing) stays in `samples` and is left out of the figures.
 */
export function summary(samples) {
  return { median: median(samples), ...range(samples), samples };
}

/** The ratio of two summaries' medians; null when either is missing or the denominator is zero. */
export function ratioOfMedians(numerator, denominator) {
  const a = numerator?.median;
  const b = denominator?.median;
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : null;
}
