import { accountsApi } from './support/accounts-api';
import { expectCleanProblem } from './support/problem-assertions';
import { useTestApp } from './support/test-app';

const context = useTestApp('bad_input');
const api = accountsApi(() => context.app.baseUrl);
let accountId: string;

beforeAll(async () => {
  accountId = await api.open();
  await api.deposit(accountId, 1000).expect(201);
});

const eventCount = async (): Promise<number> => {
  const [row] = await context.database.dataSource.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM es_events',
  );
  return row.n;
};

const deposits = () => `/accounts/${accountId}/deposits`;

describe('bad money values are 400 VALIDATION_FAILED and change nothing', () => {
  it.each([
    ['fractional', 10.5],
    ['string', '10'],
    ['negative', -5],
    ['zero', 0],
    ['null', null],
    ['boolean', true],
    ['array', [10]],
    ['object', { value: 10 }],
    ['above the maximum', 100_000_000_001],
    ['beyond 2^53', 2 ** 53 + 2],
    ['too big for int8', 1e20],
  ])('%s amount', async (_, amount) => {
    const before = await eventCount();
    for (const path of [deposits(), `/accounts/${accountId}/withdrawals`]) {
      const response = await api.http().post(path).send({ amount });
      expectCleanProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body).toMatchObject({ errors: [{ field: 'amount' }] });
    }
    expect(await eventCount()).toBe(before);
  });

  it('a missing amount says it is required, and only that', async () => {
    const response = await api.http().post(deposits()).send({});
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body).toMatchObject({
      errors: [{ field: 'amount', messages: ['amount is required'] }],
    });
  });

  it.each([
    ['a string', '"10"'],
    ['a boolean', 'true'],
    ['null', 'null'],
  ])('an amount that is %s gets one message: it must be an integer', async (_, amount) => {
    const response = await api
      .http()
      .post(deposits())
      .set('Content-Type', 'application/json')
      .send(`{"amount":${amount}}`);
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body).toMatchObject({
      errors: [{ field: 'amount', messages: ['amount must be an integer'] }],
    });
    expect((response.body as { errors: unknown[] }).errors).toHaveLength(1);
  });

  it('a missing required query parameter says it is required', async () => {
    const response = await api.http().get('/transfers');
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body).toMatchObject({
      // Staff may list by status instead (pending approvals); a customer is told accountId.
      errors: [{ field: 'accountId', messages: ['accountId or status is required'] }],
    });
    const totals = await api.http().get('/reports/daily-totals').query({ to: '2026-01-01' });
    expect(totals.body).toMatchObject({
      errors: [{ field: 'from', messages: ['from is required'] }],
    });
  });
});

describe('mass assignment and prototype pollution', () => {
  it.each([
    ['balance', { amount: 1, balance: 1_000_000 }],
    ['version', { amount: 1, version: 99 }],
    ['status', { amount: 1, status: 'CLOSED' }],
  ])('an unknown field (%s) is refused, not applied', async (field, body) => {
    const before = await eventCount();
    const response = await api.http().post(deposits()).send(body);
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body).toMatchObject({ errors: [{ field }] });
    expect(await eventCount()).toBe(before);
  });

  it('__proto__ and constructor.prototype in the body pollute nothing', async () => {
    for (const raw of [
      '{"amount":1,"__proto__":{"isAdmin":true}}',
      '{"amount":1,"constructor":{"prototype":{"isAdmin":true}}}',
    ]) {
      const response = await api
        .http()
        .post(deposits())
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(response.status).toBe(400);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('an account cannot be opened with a balance or status of its own', async () => {
    const response = await api
      .http()
      .post('/accounts')
      .send({ customerId: await api.customer(), currency: 'EUR', balance: 500, status: 'OPEN' });
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
  });
});

describe('malformed requests', () => {
  it('malformed JSON is 400 MALFORMED_JSON', async () => {
    const response = await api
      .http()
      .post(deposits())
      .set('Content-Type', 'application/json')
      .send('{"amount": 1');
    expectCleanProblem(response, 400, 'MALFORMED_JSON');
  });

  it('an oversized body is 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await eventCount();
    const response = await api
      .http()
      .post(deposits())
      .send({ amount: 1, reference: 'x'.repeat(64 * 1024) });
    expectCleanProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    expect(await eventCount()).toBe(before);
  });

  it.each(['not-a-uuid', '1', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g'])(
    'malformed id %p is 400 INVALID_ID',
    async (id) => {
      expectCleanProblem(
        await api.http().get(`/accounts/${encodeURIComponent(id)}`),
        400,
        'INVALID_ID',
      );
      expectCleanProblem(
        await api
          .http()
          .post(`/accounts/${encodeURIComponent(id)}/deposits`)
          .send({ amount: 1 }),
        400,
        'INVALID_ID',
      );
    },
  );

  it('an unknown but well-formed id is 404 ACCOUNT_NOT_FOUND', async () => {
    expectCleanProblem(
      await api.http().get('/accounts/7d3f6a52-1111-4222-8333-944455556666'),
      404,
      'ACCOUNT_NOT_FOUND',
    );
  });

  it('an unknown currency or customer id that is not a UUID is 400', async () => {
    expectCleanProblem(
      await api
        .http()
        .post('/accounts')
        .send({ customerId: await api.customer(), currency: 'ABC' }),
      400,
      'VALIDATION_FAILED',
    );
    expectCleanProblem(
      await api.http().post('/accounts').send({ customerId: 'bob', currency: 'EUR' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('an unknown route is 404 NOT_FOUND as problem+json', async () => {
    expectCleanProblem(await api.http().get('/accounts/x/y/z'), 404, 'NOT_FOUND');
  });

  it('bad headers are refused: Idempotency-Key, If-Match, X-Correlation-Id', async () => {
    const before = await eventCount();
    const post = () => api.http().post(deposits());
    expectCleanProblem(
      await post().set('Idempotency-Key', 'k'.repeat(256)).send({ amount: 1 }),
      400,
      'INVALID_IDEMPOTENCY_KEY',
    );
    expectCleanProblem(
      await post().set('Idempotency-Key', 'has space').send({ amount: 1 }),
      400,
      'INVALID_IDEMPOTENCY_KEY',
    );
    expectCleanProblem(
      await post().set('If-Match', 'W/"2"').send({ amount: 1 }),
      400,
      'INVALID_IF_MATCH',
    );
    expectCleanProblem(
      await post().set('If-Match', 'two').send({ amount: 1 }),
      400,
      'INVALID_IF_MATCH',
    );
    expectCleanProblem(
      await post().set('X-Correlation-Id', '<script>').send({ amount: 1 }),
      400,
      'INVALID_CORRELATION_ID',
    );
    expect(await eventCount()).toBe(before);
  });

  it('a reference with SQL in it is stored literally; control characters are refused', async () => {
    const reference = "'); DROP TABLE es_events; --";
    const stored = await api.http().post(deposits()).send({ amount: 1, reference }).expect(201);
    const history = await api
      .http()
      .get(
        `/accounts/${accountId}/events?fromVersion=${(stored.body as { version: number }).version}`,
      );
    expect(
      (history.body as { items: { data: { reference: string } }[] }).items[0].data.reference,
    ).toBe(reference);
    expectCleanProblem(
      await api.http().post(deposits()).send({ amount: 1, reference: 'a\u0000b' }),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('content types and headers the API sets', () => {
  it('a body that is not JSON is 415 UNSUPPORTED_MEDIA_TYPE and changes nothing', async () => {
    const before = await eventCount();
    const response = await api
      .http()
      .post(deposits())
      .set('Content-Type', 'text/plain')
      .send('amount=5');
    expectCleanProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await eventCount()).toBe(before);
  });

  it('only account reads carry an ETag, and it is the stream version', async () => {
    const write = await api.deposit(accountId, 1).expect(201);
    expect(write.headers.etag).toBeUndefined();
    const read = await api.http().get(`/accounts/${accountId}`).expect(200);
    expect(read.headers.etag).toBe(`"${(read.body as { version: number }).version}"`);
    expect((await api.http().get('/health')).headers.etag).toBeUndefined();
  });
});
