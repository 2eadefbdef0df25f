/** Small statistics and formatting helpers for the benchmarks (all values in ms unless named). */

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** min, p50, p90, p99, max of `values` (any order). */
export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0] ?? Number.NaN,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.at(-1) ?? Number.NaN,
  };
}

/** Milliseconds right-aligned in `width`, one decimal below 100 ms. */
export function ms(value, width = 9) {
  if (!Number.isFinite(value)) return "—".padStart(width);
  return (value < 100 ? value.toFixed(1) : value.toFixed(0)).padStart(width);
}

/** One table row: a left-aligned label then right-aligned cells. */
export function row(label, cells, labelWidth = 34) {
  return `${label.padEnd(labelWidth)}${cells.join("")}`;
}
