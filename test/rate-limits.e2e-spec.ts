import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import Redis from 'ioredis';
import request from 'supertest';
import { RATE_LIMIT_REDIS } from '../src/auth/auth.tokens';
import { accountsApi } from './support/accounts-api';
import { httpApi } from './support/api';
import { expectCleanProblem } from './support/problem-assertions';
import { startTestApp, TestApp, useTestApp } from './support/test-app';
import { mintToken } from './support/tokens';

/**
 * @nestjs/throttler as the security guard runs it: a per-principal budget for all requests,
 * a lower one for POSTs, per client address without a valid token, in memory per instance or
 * shared through Redis. No test waits for a window to pass: each uses principals of its own.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A teller token for a subject no other test, run or instance has used (Redis keys too). */
const freshTeller = (): Promise<string> =>
  mintToken({ roles: ['teller'], subject: `rate-${randomUUID()}` });

function expectRateLimited(response: request.Response): void {
  expectCleanProblem(response, 429, 'RATE_LIMITED');
  const retryAfter = response.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
}

/** Sends `count` requests one after another and returns their statuses. */
async function statusesOf(count: number, send: (index: number) => request.Test): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index++) statuses.push((await send(index)).status);
  return statuses;
}

const repeat = <T>(value: T, count: number): T[] => Array.from({ length: count }, () => value);

const context = useTestApp('rate-limits');

async function eventCount(): Promise<number> {
  const [row] = await context.database.dataSource.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM es_events',
  );
  return row.n;
}

describe('per-principal limits (in memory): 20 requests and 5 writes a minute', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp(context.database, {
      RATE_LIMIT_REQUESTS_PER_MINUTE: '20',
      RATE_LIMIT_WRITES_PER_MINUTE: '5',
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After from the 21st request of one principal; another principal keeps its own budget', async () => {
    const busy = await freshTeller();
    const statuses = await statusesOf(25, () => httpApi(limited.baseUrl, busy).get('/accounts'));
    expect(statuses).toEqual([...repeat(200, 20), ...repeat(429, 5)]);
    expectRateLimited(await httpApi(limited.baseUrl, busy).get('/accounts'));

    const other = await freshTeller();
    await httpApi(limited.baseUrl, other).get('/accounts').expect(200);
    // The budget is per principal across routes, not per route.
    expectRateLimited(await httpApi(limited.baseUrl, busy).get('/customers'));
  });

  it('refuses the 6th write of a principal with 429 before it runs: nothing is written, reads still pass', async () => {
    // Set up with the staff token on the unlimited app of this file.
    const accounts = accountsApi(() => context.app.baseUrl);
    const accountId = await accounts.open();
    const writer = await freshTeller();
    const write = (index: number) =>
      httpApi(limited.baseUrl, writer)
        .post(`/accounts/${accountId}/${index % 2 === 0 ? 'deposits' : 'withdrawals'}`)
        .send({ amount: index % 2 === 0 ? 1000 : 100 });

    expect(await statusesOf(5, write)).toEqual(repeat(201, 5));
    const before = await eventCount();
    const sixth = await write(5);
    expectRateLimited(sixth);
    expect(await eventCount()).toBe(before);
    // Three deposits of 1000 and two withdrawals of 100; the refused withdrawal left no trace.
    expect((await accounts.account(accountId)).balance).toBe(2800);

    // Writes have their own, lower budget: this principal has made 6 of its 20 requests.
    await httpApi(limited.baseUrl, writer).get(`/accounts/${accountId}`).expect(200);
    // Another principal still writes.
    await httpApi(limited.baseUrl, await freshTeller())
      .post(`/accounts/${accountId}/deposits`)
      .send({ amount: 1 })
      .expect(201);
  });

  it('counts requests without a valid token per client address: 401 turns into 429, valid tokens and health unaffected', async () => {
    const statuses = await statusesOf(26, (index) => {
      const attempt = request(limited.baseUrl).get('/accounts');
      // No token, a bad token and a malformed header all count against the same address.
      if (index % 3 === 1) return attempt.set('Authorization', 'Bearer not-a-jwt');
      if (index % 3 === 2) return attempt.set('Authorization', 'Basic eDp5');
      return attempt;
    });
    expect(statuses).toEqual([...repeat(401, 20), ...repeat(429, 6)]);
    expectRateLimited(
      await request(limited.baseUrl).get('/accounts').set('Authorization', 'Bearer not-a-jwt'),
    );
    // A write without a token from that address is refused before it runs.
    const before = await eventCount();
    expectRateLimited(
      await request(limited.baseUrl)
        .post('/customers')
        .send({ name: 'Mallory', email: 'mallory@example.com', documentNumber: 'X1234567' }),
    );
    expect(await eventCount()).toBe(before);

    await httpApi(limited.baseUrl, await freshTeller())
      .get('/accounts')
      .expect(200);
    await request(limited.baseUrl).get('/health/live').expect(200);
  });
});

/** Two instances on one database, each with its own limiter store or one shared in Redis. */
async function startPair(env: NodeJS.ProcessEnv): Promise<TestApp[]> {
  const first = await startTestApp(context.database, env);
  try {
    return [first, await startTestApp(context.database, env)];
  } catch (error) {
    await first.close();
    throw error;
  }
}

/** Alternates GETs of one principal between the instances, starting with the first. */
const alternate = (pair: readonly TestApp[], token: string, count: number): Promise<number[]> =>
  statusesOf(count, (index) => httpApi(pair[index % 2].baseUrl, token).get('/accounts'));

/**
 * The suite that needs Redis. The global setup decides once: in CI a missing Redis fails the
 * run; elsewhere the suite is left out, and the run says so.
 */
const describeWithRedis: jest.Describe =
  process.env.LEDGERLINE_TEST_REDIS === 'available'
    ? describe
    : (((name: string, fn: () => void) => {
        console.warn(`[ledgerline] left out: "${name}" (needs Redis at ${REDIS_URL})`);
        describe.skip(name, fn);
      }) as unknown as jest.Describe);

describeWithRedis('two instances sharing counters in Redis (REDIS_URL)', () => {
  let pair: TestApp[] = [];
  beforeAll(async () => {
    pair = await startPair({
      REDIS_URL,
      RATE_LIMIT_REQUESTS_PER_MINUTE: '10',
      RATE_LIMIT_WRITES_PER_MINUTE: '1000',
    });
  });
  afterAll(async () => {
    // Normally closed (and checked) by the last test; this is for a failure before it.
    await Promise.all(pair.splice(0).map((app) => app.close()));
  });

  it('holds one principal to one combined limit: requests 1-10 pass across both, then 429 on either', async () => {
    const token = await freshTeller();
    const statuses = await alternate(pair, token, 12);
    expect(statuses).toEqual([...repeat(200, 10), 429, 429]);
    expectRateLimited(await httpApi(pair[1].baseUrl, token).get('/accounts'));
    expectRateLimited(await httpApi(pair[0].baseUrl, token).get('/accounts'));
    // Another principal has its own counter in Redis.
    await httpApi(pair[1].baseUrl, await freshTeller())
      .get('/accounts')
      .expect(200);
  });

  it('closes its Redis connection when the app closes', async () => {
    const apps = pair.splice(0);
    const clients = apps.map((app) => app.app.get<Redis>(RATE_LIMIT_REDIS, { strict: false }));
    expect(clients.map((client) => client.status)).toEqual(['ready', 'ready']);
    const ended = clients.map((client) => once(client, 'end'));
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(ended);
    expect(clients.map((client) => client.status)).toEqual(['end', 'end']);
  });
});

describe('two instances without Redis', () => {
  let pair: TestApp[] = [];
  beforeAll(async () => {
    pair = await startPair({
      RATE_LIMIT_REQUESTS_PER_MINUTE: '10',
      RATE_LIMIT_WRITES_PER_MINUTE: '1000',
    });
  });
  afterAll(async () => {
    await Promise.all(pair.splice(0).map((app) => app.close()));
  });

  it('count separately (so the Redis test above is meaningful): 20 alternating requests pass, the 21st and 22nd are 429', async () => {
    const token = await freshTeller();
    const statuses = await alternate(pair, token, 22);
    expect(statuses).toEqual([...repeat(200, 20), 429, 429]);
  });
});
