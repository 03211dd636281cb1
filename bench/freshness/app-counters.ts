import { AuthHeaders } from '../support/bench-auth';

/**
 * Projection batches the app has committed since it started, per projection (its own
 * counter), read from /admin/projections as `admin`.
 */
export async function batchesApplied(
  baseUrl: string,
  admin: AuthHeaders,
): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/admin/projections`, { headers: admin });
  const views = (await response.json()) as { name: string; batchesAppliedHere: number }[];
  if (!response.ok || !Array.isArray(views))
    throw new Error(`admin/projections: ${response.status}`);
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
