/** p50 / p95 / p99 / max of one set of delays, in ms. */
export interface LatencySummary {
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** Delays below 0 (seen before the client had its answer), counted as 0 in the quantiles. */
  readonly clamped: number;
}

/** Nearest-rank quantiles; negative delays count as 0 (and are counted). */
export function summarise(delays: readonly number[]): LatencySummary {
  const sorted = delays.map((delay) => Math.max(0, delay)).sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
  return {
    samples: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    clamped: delays.filter((delay) => delay < 0).length,
  };
}

/** The summary whose p99 is the median of several runs' (the run it came from, whole). */
export function medianByP99(summaries: readonly LatencySummary[]): LatencySummary {
  const sorted = [...summaries].sort((a, b) => a.p99 - b.p99);
  return sorted[Math.floor(sorted.length / 2)];
}
