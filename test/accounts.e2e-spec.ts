import { accountsApi } from './support/accounts-api';
import { useTestApp } from './support/test-app';

const context = useTestApp('accounts_e2e');
const api = accountsApi(() => context.app.baseUrl);

const PROBLEM = /application\/problem\+json/;

describe('POST /accounts', () => {
  it('opens an account: 201 with id, version and position, and Location pointing to it', async () => {
    const response = await api
      .http()
      .post('/accounts')
      .send({ customerId: await api.customer(), currency: 'EUR' })
      .expect(201);
    expect(response.body).toEqual({
      id: expect.any(String),
      version: 1,
      position: expect.stringMatching(/^\d+$/),
    });
    const { id } = response.body as { id: string };
    expect(response.headers.location).toBe(`/accounts/${id}`);
    await api.http().get(response.headers.location).expect(200);
  });

  it('rejects an unknown currency and a lower-case one with 400 VALIDATION_FAILED', async () => {
    for (const currency of ['XXY', 'eur', 'EURO', '']) {
      const response = await api
        .http()
        .post('/accounts')
        .send({ customerId: await api.customer(), currency })
        .expect(400);
      expect(response.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'currency' }],
      });
    }
  });
});

describe('GET /accounts/{id}', () => {
  it('returns the account folded from its stream with an ETag of its version', async () => {
    const id = await api.open('USD');
    await api.deposit(id, 700).expect(201);
    const response = await api.http().get(`/accounts/${id}`).expect(200);
    expect(response.headers.etag).toBe('"2"');
    // The ETag held is still current: 304, no body; once it moves on, 200 again.
    const unchanged = await api.http().get(`/accounts/${id}`).set('If-None-Match', '"2"');
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    await api.deposit(id, 1).expect(201);
    await api.http().get(`/accounts/${id}`).set('If-None-Match', '"2"').expect(200);
    expect(response.body).toEqual({
      id,
      customerId: await api.customer(),
      currency: 'USD',
      balance: 700,
      ledgerBalance: 700,
      heldAmount: 0,
      availableBalance: 700,
      overdraftLimit: 0,
      spendableBalance: 700,
      status: 'OPEN',
      version: 2,
    });
  });

  it('is 404 ACCOUNT_NOT_FOUND for an unknown id', async () => {
    const response = await api
      .http()
      .get('/accounts/00000000-0000-4000-8000-000000000000')
      .expect(404);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.body).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', status: 404 });
  });
});

describe('deposits and withdrawals', () => {
  it('moves money and answers with version, balance and position', async () => {
    const id = await api.open();
    const deposit = await api.deposit(id, 1000).expect(201);
    expect(deposit.body).toEqual({
      version: 2,
      balance: 1000,
      position: expect.stringMatching(/^\d+$/),
    });
    const withdrawal = await api.withdraw(id, 400).expect(201);
    expect(withdrawal.body).toMatchObject({ version: 3, balance: 600 });
    // Each movement's Location is the event that recorded it.
    expect(deposit.headers.location).toBe(`/accounts/${id}/events/2`);
    expect(withdrawal.headers.location).toBe(`/accounts/${id}/events/3`);
    const recorded = await api.http().get(withdrawal.headers.location).expect(200);
    expect(recorded.body).toMatchObject({
      version: 3,
      type: 'MoneyWithdrawn',
      data: { amount: 400 },
    });
    expect(BigInt((withdrawal.body as { position: string }).position)).toBeGreaterThan(
      BigInt((deposit.body as { position: string }).position),
    );
  });

  it('refuses a withdrawal above the balance with 422 INSUFFICIENT_FUNDS and records nothing', async () => {
    const id = await api.open();
    await api.deposit(id, 100).expect(201);
    const response = await api.withdraw(id, 101).expect(422);
    expect(response.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS', status: 422 });
    expect(await api.account(id)).toMatchObject({ balance: 100, version: 2 });
  });

  it('is 404 ACCOUNT_NOT_FOUND for money sent to an unknown account', async () => {
    const response = await api.deposit('00000000-0000-4000-8000-000000000000', 5).expect(404);
    expect(response.body).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });
});

describe('PUT /accounts/{id}/overdraft-limit', () => {
  it('sets the limit with its reason; withdrawals may then go below zero down to minus it', async () => {
    const id = await api.open();
    await api.deposit(id, 1_000).expect(201);
    const set = await api.setOverdraftLimit(id, 500, 'salary account').expect(200);
    expect(set.body).toEqual({
      id,
      version: 3,
      position: expect.stringMatching(/^\d+$/),
      overdraftLimit: 500,
      ledgerBalance: 1_000,
      heldAmount: 0,
      availableBalance: 1_000,
      spendableBalance: 1_500,
    });
    const event = (await api.http().get(`/accounts/${id}/events/3`).expect(200)).body as {
      type: string;
      data: unknown;
    };
    expect(event).toMatchObject({
      type: 'OverdraftLimitSet',
      data: { accountId: id, limit: 500, reason: 'salary account' },
    });

    expect((await api.withdraw(id, 1_500).expect(201)).body).toMatchObject({ balance: -500 });
    const refused = await api.withdraw(id, 1).expect(422);
    expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(refused.headers['content-type']).toMatch(PROBLEM);
    expect(await api.account(id)).toMatchObject({
      balance: -500,
      ledgerBalance: -500,
      availableBalance: -500,
      spendableBalance: 0,
      overdraftLimit: 500,
      version: 4,
    });
  });

  it('setting the limit in force records nothing and answers the same version', async () => {
    const id = await api.open();
    const first = await api.setOverdraftLimit(id, 200).expect(200);
    const again = await api.setOverdraftLimit(id, 200).expect(200);
    expect(again.body).toMatchObject({ version: (first.body as { version: number }).version });
    expect(await api.eventTypes(id)).toEqual(['AccountOpened', 'OverdraftLimitSet']);
  });

  it('honours If-Match: a stale version is 409 VERSION_CONFLICT and changes nothing', async () => {
    const id = await api.open();
    await api.deposit(id, 5).expect(201);
    const stale = await api
      .http()
      .put(`/accounts/${id}/overdraft-limit`)
      .set('If-Match', '"1"')
      .send({ limit: 100, reason: 'stale' })
      .expect(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    expect(await api.account(id)).toMatchObject({ overdraftLimit: 0, version: 2 });
  });

  it('refuses a bad limit or reason with 400 VALIDATION_FAILED, naming the field, and records nothing', async () => {
    const id = await api.open();
    for (const [body, field] of [
      [{ limit: -1, reason: 'x' }, 'limit'],
      [{ limit: 1.5, reason: 'x' }, 'limit'],
      [{ limit: 100_000_000_001, reason: 'x' }, 'limit'],
      [{ limit: '100', reason: 'x' }, 'limit'],
      [{ limit: 100 }, 'reason'],
      [{ limit: 100, reason: '' }, 'reason'],
      [{ limit: 100, reason: '   ' }, 'reason'],
      [{ limit: 100, reason: 'a'.repeat(201) }, 'reason'],
      [{ limit: 100, reason: 'bell\u0007' }, 'reason'],
    ] as const) {
      const response = await api
        .http()
        .put(`/accounts/${id}/overdraft-limit`)
        .send(body)
        .expect(400);
      expect(response.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [expect.objectContaining({ field })],
      });
    }
    expect(await api.eventTypes(id)).toEqual(['AccountOpened']);
  });

  it('is 404 ACCOUNT_NOT_FOUND for an unknown account and 409 ACCOUNT_CLOSED for a closed one', async () => {
    await api
      .setOverdraftLimit('00000000-0000-4000-8000-000000000000', 100)
      .expect(404)
      .expect((response) => expect(response.body).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' }));
    const id = await api.open();
    await api.http().post(`/accounts/${id}/close`).expect(200);
    const closed = await api.setOverdraftLimit(id, 100).expect(409);
    expect(closed.body).toMatchObject({ code: 'ACCOUNT_CLOSED' });
  });
});

describe('POST /accounts/{id}/close', () => {
  it('refuses to close a non-empty account (409 BALANCE_NOT_ZERO), closes it once empty, then refuses money', async () => {
    const id = await api.open();
    await api.deposit(id, 50).expect(201);
    const refused = await api.http().post(`/accounts/${id}/close`).expect(409);
    expect(refused.body).toMatchObject({ code: 'BALANCE_NOT_ZERO' });

    await api.withdraw(id, 50).expect(201);
    const closed = await api.http().post(`/accounts/${id}/close`).expect(200);
    expect(closed.body).toMatchObject({ id, version: 4 });
    expect(await api.account(id)).toMatchObject({ status: 'CLOSED', balance: 0 });

    for (const attempt of [
      api.deposit(id, 1),
      api.withdraw(id, 1),
      api.http().post(`/accounts/${id}/close`),
    ]) {
      const response = await attempt.expect(409);
      expect(response.body).toMatchObject({ code: 'ACCOUNT_CLOSED' });
    }
    expect(await api.eventTypes(id)).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'MoneyWithdrawn',
      'AccountClosed',
    ]);
  });
});

describe('GET /accounts/{id}/events', () => {
  it('returns the audit history with metadata as {items, nextCursor}, paged with an opaque cursor', async () => {
    const id = await api.open();
    for (const amount of [1, 2, 3])
      await api.deposit(id, amount).set('X-Correlation-Id', 'batch-7').expect(201);
    const first = await api.http().get(`/accounts/${id}/events?limit=2`).expect(200);
    expect(Object.keys(first.body as object).sort()).toEqual(['items', 'nextCursor']);
    const { items: events, nextCursor } = first.body as {
      items: Record<string, unknown>[];
      nextCursor: string;
    };
    expect(nextCursor).toEqual(expect.any(String));
    expect(events.map((e) => e.version)).toEqual([1, 2]);
    expect(events[1]).toMatchObject({
      type: 'MoneyDeposited',
      schemaVersion: 2,
      data: { accountId: id, amount: 1, reference: null, channel: 'online' },
      correlationId: 'batch-7',
      actor: 'user:test-staff',
    });
    const rest = await api
      .http()
      .get(`/accounts/${id}/events`)
      .query({ cursor: nextCursor, limit: 2 })
      .expect(200);
    expect(rest.body).toMatchObject({ nextCursor: null });
    expect((rest.body as { items: { version: number }[] }).items.map((e) => e.version)).toEqual([
      3, 4,
    ]);
    // fromVersion still starts a first page anywhere; a cursor belongs to its account only.
    const from = await api.http().get(`/accounts/${id}/events?fromVersion=4`).expect(200);
    expect((from.body as { items: { version: number }[] }).items.map((e) => e.version)).toEqual([
      4,
    ]);
    const other = await api.open();
    const foreign = await api
      .http()
      .get(`/accounts/${other}/events`)
      .query({ cursor: nextCursor })
      .expect(400);
    expect(foreign.body).toMatchObject({ code: 'INVALID_CURSOR' });
    await api
      .http()
      .get(`/accounts/${id}/events`)
      .query({ cursor: nextCursor, fromVersion: 1 })
      .expect(400);
  });

  it('GET /accounts/{id}/events/{version} answers one event, 404 ACCOUNT_EVENT_NOT_FOUND past the last', async () => {
    const id = await api.open();
    const opened = await api.http().get(`/accounts/${id}/events/1`).expect(200);
    expect(opened.body).toMatchObject({ version: 1, type: 'AccountOpened' });
    const missing = await api.http().get(`/accounts/${id}/events/2`).expect(404);
    expect(missing.body).toMatchObject({ code: 'ACCOUNT_EVENT_NOT_FOUND' });
    const unknown = await api
      .http()
      .get('/accounts/00000000-0000-4000-8000-000000000000/events/1')
      .expect(404);
    expect(unknown.body).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    const bad = await api.http().get(`/accounts/${id}/events/0`).expect(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'version' }] });
  });

  it('is 404 for an unknown account and 400 for an out-of-range limit', async () => {
    await api.http().get('/accounts/00000000-0000-4000-8000-000000000000/events').expect(404);
    const id = await api.open();
    const response = await api.http().get(`/accounts/${id}/events?limit=100000`).expect(400);
    expect(response.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'limit' }],
    });
  });
});

describe('GET /accounts/{id}/balance?asOf=', () => {
  it('answers the balance as it was at an instant', async () => {
    const id = await api.open();
    await api.deposit(id, 300).expect(201);
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await api.withdraw(id, 100).expect(201);

    const then = await api
      .http()
      .get(`/accounts/${id}/balance`)
      .query({ asOf: between })
      .expect(200);
    expect(then.body).toEqual({ balance: 300, currency: 'EUR', asOf: between, version: 2 });
    const now = await api.http().get(`/accounts/${id}/balance`).expect(200);
    expect(now.body).toMatchObject({ balance: 200, version: 3 });
  });

  it('before the account was opened: 404 ACCOUNT_NOT_YET_OPENED, saying when it opened; 400 for an invalid instant', async () => {
    const id = await api.open();
    const before = await api
      .http()
      .get(`/accounts/${id}/balance?asOf=2000-01-01T00:00:00Z`)
      .expect(404);
    expect(before.body).toMatchObject({
      code: 'ACCOUNT_NOT_YET_OPENED',
      detail: expect.stringContaining('did not exist yet at 2000-01-01T00:00:00.000Z'),
    });
    // An account that never existed is another answer.
    const never = await api
      .http()
      .get('/accounts/00000000-0000-4000-8000-000000000000/balance?asOf=2000-01-01T00:00:00Z')
      .expect(404);
    expect(never.body).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    const response = await api.http().get(`/accounts/${id}/balance?asOf=yesterday`).expect(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('operations', () => {
  it('GET /health reports the database up', async () => {
    const response = await api.http().get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('GET /health/live answers without the database; /health/ready checks it', async () => {
    await api.http().get('/health/live').expect(200, { status: 'ok' });
    const ready = await api.http().get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('GET /admin/runtime reports this instance and its memory', async () => {
    const response = await api.http().get('/admin/runtime').expect(200);
    expect(response.body).toMatchObject({
      instanceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      pid: process.pid,
      collected: false,
      heapUsedBytes: expect.any(Number),
      rssBytes: expect.any(Number),
    });
  });

  it('serves Swagger UI and an OpenAPI document that documents every error response as problem+json', async () => {
    await api.http().get('/docs').expect(200);
    const document = (await api.http().get('/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >;
    };
    const operations = Object.values(document.paths).flatMap((path) => Object.values(path));
    expect(operations.length).toBeGreaterThanOrEqual(8);
    for (const operation of operations) {
      const errors = Object.entries(operation.responses).filter(
        ([status]) => Number(status) >= 400,
      );
      expect(errors.length).toBeGreaterThan(0);
      for (const [, response] of errors)
        expect(Object.keys(response.content ?? {})).toContain('application/problem+json');
    }
  });

  it('sends security headers and no x-powered-by', async () => {
    const response = await api.http().get('/health').expect(200);
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
