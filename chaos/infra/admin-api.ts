import { AppFleet } from './app-fleet';
import { Caller } from './credentials';
import { Random } from '../support/random';
import { sendRequest } from '../workload/http-attempt';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * GET as `caller` through whichever instance serves, a few tries; undefined if nothing
 * answered 200.
 */
export async function apiGet(
  fleet: AppFleet,
  random: Random,
  caller: Caller,
  path: string,
): Promise<unknown> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const endpoint = fleet.pick(random)?.endpoint;
    if (endpoint) {
      const result = await sendRequest(endpoint, 'GET', path, caller.headers, null, 5_000);
      if (result.kind === 'response' && result.status === 200) return result.body;
      if (result.kind === 'response' && result.status === 404) return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

export interface OutboxStatus {
  readonly pending: number;
  readonly deadLettered: number;
}

export function parseOutboxStatus(body: unknown): OutboxStatus | undefined {
  if (!isRecord(body) || typeof body.pending !== 'number') return undefined;
  return {
    pending: body.pending,
    deadLettered: typeof body.deadLettered === 'number' ? body.deadLettered : 0,
  };
}

export interface ProjectionStatus {
  readonly name: string;
  readonly lagEvents: number;
  readonly status: string;
}

/** GET /admin/projections answers the API's list shape, {items, nextCursor}. */
export function parseProjections(body: unknown): ProjectionStatus[] | undefined {
  if (!isRecord(body) || !Array.isArray(body.items)) return undefined;
  return body.items.filter(isRecord).map((row) => ({
    name: String(row.name),
    lagEvents: isRecord(row.lag) && typeof row.lag.events === 'number' ? row.lag.events : -1,
    status: String(row.status),
  }));
}

export { isRecord };
