import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthHeaders, Principals } from '../support/bench-auth';

/** The few calls of the app's HTTP API the benchmark makes outside its measured windows. */

const ACCOUNTS_PER_CUSTOMER = 10;
const SEED_CONCURRENCY = 8;

async function call<T>(
  baseUrl: string,
  auth: AuthHeaders,
  method: 'GET' | 'POST',
  path: string,
  body?: object,
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body ? { ...auth, 'content-type': 'application/json' } : auth,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Registers customers, opens `count` EUR accounts (ten per customer) and deposits
 * `openingBalance` minor units on each, all through the API, each call as the next of
 * `tellers`.
 * @returns the account ids.
 */
export async function seedAccounts(
  baseUrl: string,
  tellers: Principals,
  count: number,
  openingBalance: number,
): Promise<string[]> {
  const run = randomBytes(4).toString('hex').toUpperCase();
  const customers = Math.ceil(count / ACCOUNTS_PER_CUSTOMER);
  const accounts: string[] = [];
  let nextCustomer = 0;
  const worker = async () => {
    while (nextCustomer < customers) {
      const index = nextCustomer++;
      const customer = await call<{ id: string }>(baseUrl, tellers(), 'POST', '/customers', {
        name: `Bench Customer ${index}`,
        email: `bench-${run.toLowerCase()}-${index}@example.com`,
        documentNumber: `B${run}${index}`,
      });
      const here = Math.min(ACCOUNTS_PER_CUSTOMER, count - index * ACCOUNTS_PER_CUSTOMER);
      for (let n = 0; n < here; n++) {
        const account = await call<{ id: string }>(baseUrl, tellers(), 'POST', '/accounts', {
          customerId: customer.id,
          currency: 'EUR',
        });
        await call(baseUrl, tellers(), 'POST', `/accounts/${account.id}/deposits`, {
          amount: openingBalance,
          reference: 'opening balance',
        });
        accounts.push(account.id);
      }
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return accounts;
}

export interface ProjectionView {
  name: string;
  status: string;
  lag: { events: number };
  /** Whether this instance holds the projection's lease (one instance at a time does). */
  leaseHeldHere: boolean;
  batchesAppliedHere: number;
}

/**
 * GET /admin/projections as `admin`: a list (`{items}`), or, from a revision before every
 * list had that shape (a base build of http-revisions), the bare array.
 */
export async function projectionViews(
  baseUrl: string,
  admin: AuthHeaders,
): Promise<ProjectionView[]> {
  const body = await call<ProjectionView[] | { items: ProjectionView[] }>(
    baseUrl,
    admin,
    'GET',
    '/admin/projections',
  );
  return Array.isArray(body) ? body : body.items;
}

/** GET /admin/outbox: the outbox (shared by every instance) and this instance's relay. */
export interface OutboxView {
  pending: number;
  deadLettered: number;
  broker: 'up' | 'down' | 'in-process';
  relay: {
    running: boolean;
    /** Confirmed and marked published by this instance since it started. */
    published: number;
    rejected: number;
    released: number;
    duplicates: number;
    resent: number;
  };
}

/** GET /admin/outbox as `admin`. */
export function outboxStatus(baseUrl: string, admin: AuthHeaders): Promise<OutboxView> {
  return call<OutboxView>(baseUrl, admin, 'GET', '/admin/outbox');
}

/**
 * Waits until the app is connected to its broker: /health answers before that (the broker is
 * reported, not required), and until then the relay publishes nothing.
 */
export async function waitForBroker(
  baseUrl: string,
  admin: AuthHeaders,
  timeoutMs = 30_000,
): Promise<void> {
  const started = performance.now();
  for (;;) {
    const { broker } = await outboxStatus(baseUrl, admin);
    if (broker === 'up') return;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${baseUrl}: broker ${broker} after ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

/**
 * Waits until the app's asynchronous work has caught up with its writes (every projection's
 * lag 0, no outbox message pending), so a variant does not pay for the previous one's backlog.
 * Reads /admin/* as `admin`.
 * @returns how long that took, in seconds.
 */
export async function waitForBacklog(
  baseUrl: string,
  admin: AuthHeaders,
  timeoutMs = 120_000,
  /** False when the app runs no relay (OUTBOX_RELAY=off): its outbox only grows. */
  outbox = true,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const projections = await projectionViews(baseUrl, admin);
    const messages = await outboxStatus(baseUrl, admin);
    const parked = projections.filter((projection) => projection.status === 'parked');
    if (parked.length > 0 || messages.deadLettered > 0) {
      throw new Error(`async work failed: ${JSON.stringify({ parked, outbox: messages })}`);
    }
    const behind = projections.reduce((sum, projection) => sum + projection.lag.events, 0);
    const pending = outbox ? messages.pending : 0;
    if (behind === 0 && pending === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) {
      throw new Error(
        `backlog not drained in ${timeoutMs} ms: ${behind} events, ${pending} messages`,
      );
    }
    await sleep(100);
  }
}
