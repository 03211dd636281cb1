/** What a stream holds after a contention run, to compare with what the writers were told. */
export interface StreamShape {
  readonly events: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly distinctVersions: number;
}

/**
 * Throws unless the stream holds exactly `expected` events numbered 1..expected, each
 * version once: nothing lost, nothing duplicated, no gap.
 */
export function assertContiguous(label: string, shape: StreamShape, expected: number): void {
  const { events, minVersion, maxVersion, distinctVersions } = shape;
  const exact =
    events === expected &&
    distinctVersions === expected &&
    (expected === 0 || (minVersion === 1 && maxVersion === expected));
  if (!exact)
    throw new Error(
      `${label}: expected versions 1..${expected}, the stream has ${events} events ` +
        `(${distinctVersions} distinct versions, ${minVersion}..${maxVersion})`,
    );
}
