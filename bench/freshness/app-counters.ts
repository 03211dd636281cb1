import { projectionViews } from '../http/ledgerline-client';
import { AuthHeaders } from '../support/bench-auth';

/**
 * Projection batches the app has committed since it started, per projection (its own
 * counter), read from /admin/projections as `admin`.
 */
export async function batchesApplied(
  baseUrl: string,
  admin: AuthHeaders,
): Promise<Map<string, number>> {
  const views = await projectionViews(baseUrl, admin);
  return new Map(views.map((view) => [view.name, view.batchesAppliedHere]));
}

/** Batches committed between two readings, per projection. */
export function batchesBetween(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Map<string, number> {
  return new Map(
    [...after.entries()].map(([name, count]) => [name, count - (before.get(name) ?? 0)]),
  );
}
