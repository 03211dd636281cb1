/** The result of checking one property: one line in the output, the details in the report. */
export interface Verdict {
  readonly property: string;
  readonly status: 'PASS' | 'FAIL' | 'SKIP';
  readonly summary: string;
  readonly details?: unknown;
}

export const verdict = (
  property: string,
  pass: boolean,
  summary: string,
  details?: unknown,
): Verdict => ({ property, status: pass ? 'PASS' : 'FAIL', summary, details });

export const skipped = (property: string, summary: string): Verdict => ({
  property,
  status: 'SKIP',
  summary,
});

export const formatVerdict = (v: Verdict): string =>
  `${v.status.padEnd(4)}  ${v.property.padEnd(24)} ${v.summary}`;

/** At most `n` examples for a summary line or the report. */
export const examples = <T>(items: readonly T[], n = 5): T[] => items.slice(0, n);
