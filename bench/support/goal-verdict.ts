/**
 * "met: 1.23 ≥ 1.00" or "missed: 0.80 < 1.00 (needs 1.25x)": a ratio against a floor
 * (`atLeast`) or a ceiling (`atMost`).
 */
export function verdict(ratio: number, atLeast?: number, atMost?: number): string {
  const value = ratio.toFixed(2);
  if (atLeast !== undefined) {
    if (ratio >= atLeast) return `met: ${value} ≥ ${atLeast.toFixed(2)}`;
    const needs = ratio > 0 ? (atLeast / ratio).toFixed(2) : '∞';
    return `missed: ${value} < ${atLeast.toFixed(2)} (needs ${needs}x)`;
  }
  if (atMost === undefined) throw new Error('a goal needs a floor or a ceiling');
  if (ratio <= atMost) return `met: ${value} ≤ ${atMost.toFixed(2)}`;
  return `missed: ${value} > ${atMost.toFixed(2)} (needs ÷${(ratio / atMost).toFixed(2)})`;
}
