import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Role } from '../../src/auth/roles';

/*
 * The rows of the access matrix (test/access-matrix.e2e-spec.ts): every route the app serves
 * x every kind of caller. A bounded context may keep the rows of its own routes beside them,
 * in `src/<context>/<context>.access-rows.ts` exporting `accessRows`, so adding a context
 * adds its rows without an edit here; a route without a row still fails the matrix.
 */

export type Caller = 'none' | 'customerA' | 'customerB' | 'teller' | 'auditor' | 'admin';

/** What customer A owns (and B does not), set up by the staff before the matrix runs. */
export interface Fixture {
  customerA: string;
  customerB: string;
  accountA: string;
  accountB: string;
  /** A transfer from A's account to a third customer's: B is on neither side. */
  transferA: string;
}

export interface Call {
  readonly path: string;
  readonly body?: Record<string, unknown>;
}

/**
 * - `object`: the call names one of A's objects; B gets 404, exactly as for an unknown id.
 * - `list`: B gets 200 without any of A's data (`leaks` says whether a body shows A's).
 * - `none`: nothing customer-specific (staff-only or operations routes).
 */
export type Ownership =
  | { readonly kind: 'object' }
  | { readonly kind: 'list'; leaks(body: unknown, fixture: Fixture): boolean }
  | { readonly kind: 'none' };

export interface RouteRow {
  readonly allowed: readonly Role[];
  readonly ownership: Ownership;
  /** The status an allowed caller gets (2xx, or 404 for an operations route's unknown id). */
  readonly success: number;
  /**
   * What customer A gets on their own object where a business rule answers before the write
   * (erasing a customer who still has accounts); `success` otherwise.
   */
  readonly ownerOutcome?: number;
  /** Builds a fresh call for one cell (writes get fresh objects so cells never interfere). */
  call(fixture: Fixture, caller: Caller): Promise<Call> | Call;
}

const isRows = (value: unknown): value is Record<string, RouteRow> =>
  typeof value === 'object' && value !== null;

/** The rows that each `*.access-rows.ts` file under `src` exports as `accessRows`. */
export function contextAccessRows(): Record<string, RouteRow> {
  const src = join(__dirname, '..', '..', 'src');
  const rows: Record<string, RouteRow> = {};
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.access-rows.ts'),
  );
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- found at run time
    const loaded: unknown = require(join(src, file));
    const exported: unknown =
      typeof loaded === 'object' && loaded !== null && 'accessRows' in loaded
        ? loaded.accessRows
        : undefined;
    if (!isRows(exported)) throw new Error(`${file} exports no accessRows`);
    for (const [route, row] of Object.entries(exported)) {
      if (route in rows) throw new Error(`${route} has two rows (${file})`);
      rows[route] = row;
    }
  }
  return rows;
}
