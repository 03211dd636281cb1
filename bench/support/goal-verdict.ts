/**
 * "MET: 1.23 ≥ 1.00" or "MISSED: 0.80 < 1.00 (needs 1.25x)": a ratio against a floor
 * (`atLeast`), a ceiling (`atMost`), or both ("MET: 0.95 within 0.90-1.10").
 */
export function verdict(ratio: number, atLeast?: number, atMost?: number): string {
  const value = ratio.toFixed(2);
  if (atLeast === undefined && atMost === undefined)
    throw new Error('a goal needs a floor or a ceiling');
  // NaN (0 ÷ 0, a figure never measured) passes no comparison: it must not read as met.
  if (!Number.isFinite(ratio)) return `MISSED: ${value} is not a measured ratio`;
  if (atLeast !== undefined && ratio < atLeast) {
    const needs = ratio > 0 ? (atLeast / ratio).toFixed(2) : '∞';
    return `MISSED: ${value} < ${atLeast.toFixed(2)} (needs ${needs}x)`;
  }
  if (atMost !== undefined && ratio > atMost)
    return `MISSED: ${value} > ${atMost.toFixed(2)} (needs ÷${(ratio / atMost).toFixed(2)})`;
  if (atMost === undefined) return `MET: ${value} ≥ ${atLeast?.toFixed(2)}`;
  if (atLeast === undefined) return `MET: ${value} ≤ ${atMost.toFixed(2)}`;
  return `MET: ${value} within ${atLeast.toFixed(2)}-${atMost.toFixed(2)}`;
}
