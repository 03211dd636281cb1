import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountEvent } from '../src/accounts';
import { accountAggregate, availableBalance } from '../src/accounts/domain/account.state';
import { accountsApi } from './support/accounts-api';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';
import { transfersApi } from './support/transfers-api';

let database: TestDatabase;
let first: TestApp;
let second: TestApp;

beforeAll(async () => {
  database = await openTestDatabase('holds');
  first = await startTestApp(database);
  second = await startTestApp(database);
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await database?.close();
});

type HoldBody = {
  id: string;
  accountId: string;
  amount: number;
  reason: string;
  status: string;
  expiresAt: string;
  capturedAmount: number | null;
  version: number;
};

/** The account's events as recorded, oldest first. */
async function eventsOf(dataSource: DataSource, accountId: string): Promise<AccountEvent[]> {
  return dataSource.query<AccountEvent[]>(
    `SELECT type, data FROM es_events WHERE stream_id = $1 ORDER BY stream_version`,
    [`account-${accountId}`],
  );
}

/** The lowest available balance (ledger minus open holds) after any event of the stream. */
async function lowestAvailable(dataSource: DataSource, accountId: string): Promise<number> {
  let state = accountAggregate.initialState();
  let lowest = Number.POSITIVE_INFINITY;
  for (const event of await eventsOf(dataSource, accountId)) {
    state = accountAggregate.evolve(state, event);
    if (state.status !== 'NONE') lowest = Math.min(lowest, availableBalance(state));
  }
  return lowest;
}

const countOf = (events: AccountEvent[], type: string) =>
  events.filter((event) => event.type === type).length;

describeOnServer('holds', () => {
  it('place: 201 with the hold, Location, and the available balance lowered, not the ledger', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 10_000).expect(201);
    const placed = await api.placeHold(id, { amount: 4_000, reason: 'ACME BOOKS' }).expect(201);
    const hold = placed.body as HoldBody;
    expect(hold).toMatchObject({
      accountId: id,
      amount: 4_000,
      reason: 'ACME BOOKS',
      status: 'OPEN',
      capturedAmount: null,
      version: 3,
    });
    expect(placed.headers.location).toBe(`/accounts/${id}/holds/${hold.id}`);
    // Seven days by default.
    const days = (Date.parse(hold.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    expect(await api.account(id)).toMatchObject({
      balance: 10_000,
      ledgerBalance: 10_000,
      heldAmount: 4_000,
      availableBalance: 6_000,
      spendableBalance: 6_000,
    });
    const read = await api.http().get(placed.headers.location).expect(200);
    const { position, ...withoutPosition } = placed.body as HoldBody & { position: string };
    expect(position).toMatch(/^\d+$/);
    expect(read.body).toEqual(withoutPosition);
    expect(read.headers.etag).toBe('"3"');
    // A withdrawal may take only what the hold leaves.
    expect((await api.withdraw(id, 6_001).expect(422)).body).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    });
  });

  it('placing the same hold id again places nothing new; another hold under it is 409', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 10_000).expect(201);
    const holdId = randomUUID();
    const once = await api.placeHold(id, { id: holdId, amount: 1_000 }).expect(201);
    const again = await api.placeHold(id, { id: holdId, amount: 1_000 }).expect(201);
    expect(again.body).toEqual({ ...once.body, position: null });
    expect((await api.placeHold(id, { id: holdId, amount: 2_000 }).expect(409)).body).toMatchObject(
      { code: 'HOLD_ALREADY_EXISTS' },
    );
    expect(countOf(await eventsOf(database.dataSource, id), 'HoldPlaced')).toBe(1);
    expect(await api.account(id)).toMatchObject({ heldAmount: 1_000 });
  });

  it('a partial capture withdraws part and releases the rest, in one append', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 10_000).expect(201);
    const hold = (await api.placeHold(id, { amount: 4_000, reason: 'FUEL' }).expect(201))
      .body as HoldBody;
    const captured = await api.captureHold(id, hold.id, 2_500).expect(200);
    expect(captured.body).toMatchObject({
      id: hold.id,
      status: 'CAPTURED',
      amount: 4_000,
      capturedAmount: 2_500,
      version: 5,
      position: expect.stringMatching(/^\d+$/),
    });
    expect(await api.account(id)).toMatchObject({
      ledgerBalance: 7_500,
      heldAmount: 0,
      availableBalance: 7_500,
    });
    const events = await eventsOf(database.dataSource, id);
    expect(events.slice(-2)).toEqual([
      { type: 'HoldCaptured', data: { accountId: id, holdId: hold.id, amount: 2_500 } },
      { type: 'MoneyWithdrawn', data: { accountId: id, amount: 2_500, reference: 'FUEL' } },
    ]);
    // It is a hold no longer.
    expect((await api.captureHold(id, hold.id).expect(409)).body).toMatchObject({
      code: 'HOLD_NOT_OPEN',
    });
    expect((await api.releaseHold(id, hold.id).expect(409)).body).toMatchObject({
      code: 'HOLD_NOT_OPEN',
    });
  });

  it('a full capture by default; above the hold is 422 and changes nothing', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 10_000).expect(201);
    const hold = (await api.placeHold(id, { amount: 4_000 }).expect(201)).body as HoldBody;
    expect((await api.captureHold(id, hold.id, 4_001).expect(422)).body).toMatchObject({
      code: 'CAPTURE_EXCEEDS_HOLD',
    });
    expect(await api.account(id)).toMatchObject({ version: 3, heldAmount: 4_000 });
    expect((await api.captureHold(id, hold.id).expect(200)).body).toMatchObject({
      status: 'CAPTURED',
      capturedAmount: 4_000,
    });
    expect(await api.account(id)).toMatchObject({ ledgerBalance: 6_000, heldAmount: 0 });
  });

  it('release: the amount is available again; a second release is 409 HOLD_NOT_OPEN', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 10_000).expect(201);
    const hold = (await api.placeHold(id, { amount: 4_000 }).expect(201)).body as HoldBody;
    expect((await api.releaseHold(id, hold.id).expect(200)).body).toMatchObject({
      status: 'RELEASED',
      capturedAmount: null,
    });
    expect(await api.account(id)).toMatchObject({
      ledgerBalance: 10_000,
      availableBalance: 10_000,
    });
    expect((await api.releaseHold(id, hold.id).expect(409)).body).toMatchObject({
      code: 'HOLD_NOT_OPEN',
    });
  });

  it('expiry: an uncaptured hold expires at its expiresAt, exactly once, and frees its amount', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 10_000).expect(201);
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const hold = (await api.placeHold(id, { amount: 4_000, expiresAt }).expect(201))
      .body as HoldBody;
    expect(hold.expiresAt).toBe(expiresAt);
    await eventually(async () => {
      const read = await api.http().get(`/accounts/${id}/holds/${hold.id}`).expect(200);
      expect(read.body).toMatchObject({ status: 'EXPIRED' });
    }, 30_000);
    expect(await api.account(id)).toMatchObject({ heldAmount: 0, availableBalance: 10_000 });
    // Both instances run the deadline worker: it still fired once.
    await sleep(500);
    expect(countOf(await eventsOf(database.dataSource, id), 'HoldExpired')).toBe(1);
    expect((await api.captureHold(id, hold.id).expect(409)).body).toMatchObject({
      code: 'HOLD_NOT_OPEN',
    });
  });

  it('a captured hold does not expire', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 10_000).expect(201);
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    const hold = (await api.placeHold(id, { amount: 1_000, expiresAt }).expect(201))
      .body as HoldBody;
    await api.captureHold(id, hold.id).expect(200);
    await sleep(3_500);
    const events = await eventsOf(database.dataSource, id);
    expect(countOf(events, 'HoldExpired')).toBe(0);
    expect(await api.account(id)).toMatchObject({ ledgerBalance: 9_000, heldAmount: 0 });
  });

  it('refuses bad input with a clear problem and records nothing', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.deposit(id, 1_000).expect(201);
    const past = await api
      .placeHold(id, { amount: 1, expiresAt: '2020-01-01T00:00:00Z' })
      .expect(422);
    expect(past.body).toMatchObject({ code: 'INVALID_HOLD_EXPIRY' });
    const tooLate = new Date(Date.now() + 40 * 86_400_000).toISOString();
    await api.placeHold(id, { amount: 1, expiresAt: tooLate }).expect(422);
    const invalid = await api
      .http()
      .post(`/accounts/${id}/holds`)
      .send({ amount: -5, reason: '', expiresAt: 'tomorrow' })
      .expect(400);
    expect(invalid.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await api.placeHold(id, { amount: 1_001 }).expect(422)).toMatchObject({
      body: { code: 'INSUFFICIENT_FUNDS' },
    });
    const unknown = randomUUID();
    await api.captureHold(id, unknown).expect(404);
    expect((await api.releaseHold(id, unknown).expect(404)).body).toMatchObject({
      code: 'HOLD_NOT_FOUND',
    });
    await api.http().get(`/accounts/${id}/holds/${unknown}`).expect(404);
    expect(await api.account(id)).toMatchObject({ version: 2, heldAmount: 0 });
  });

  it('an account with an open hold cannot be closed', async () => {
    const api = accountsApi(first.baseUrl);
    const id = await api.open();
    await api.setOverdraftLimit(id, 100).expect(200);
    await api.placeHold(id, { amount: 100 }).expect(201);
    expect((await api.http().post(`/accounts/${id}/close`).expect(409)).body).toMatchObject({
      code: 'ACCOUNT_HAS_OPEN_HOLDS',
    });
  });

  it('50 concurrent captures of one hold on two instances capture it once', async () => {
    const apis = [accountsApi(first.baseUrl), accountsApi(second.baseUrl)];
    const id = await apis[0].open();
    await apis[0].deposit(id, 10_000).expect(201);
    const hold = (await apis[0].placeHold(id, { amount: 4_000 }).expect(201)).body as HoldBody;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => apis[i % 2].captureHold(id, hold.id, 1 + (i % 7))),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, ...Array.from({ length: 49 }, () => 409)]);
    for (const refused of responses.filter((response) => response.status === 409))
      expect(refused.body).toMatchObject({ code: 'HOLD_NOT_OPEN' });
    const events = await eventsOf(database.dataSource, id);
    expect(countOf(events, 'HoldCaptured')).toBe(1);
    const winner = responses.find((response) => response.status === 200)?.body as HoldBody;
    expect(await apis[1].account(id)).toMatchObject({
      ledgerBalance: 10_000 - (winner.capturedAmount ?? 0),
      heldAmount: 0,
    });
  });

  it('under a race of holds, withdrawals and transfers the available balance never goes below minus the limit', async () => {
    const apis = [accountsApi(first.baseUrl), accountsApi(second.baseUrl)];
    const transfers = transfersApi(first.baseUrl);
    const id = await apis[0].open();
    const other = await apis[0].open();
    await apis[0].deposit(id, 1_000).expect(201);
    await apis[0].setOverdraftLimit(id, 300).expect(200);
    // 120 demands of 20 against 1 300 that may be spent: at most 65 can succeed.
    const demands = Array.from({ length: 120 }, (_, i) => {
      const api = apis[i % 2];
      if (i % 3 === 0) return api.placeHold(id, { amount: 20 });
      if (i % 3 === 1) return api.withdraw(id, 20);
      return transfers
        .http()
        .post('/transfers')
        .send({ fromAccountId: id, toAccountId: other, amount: 20 });
    });
    const responses = await Promise.all(demands);
    for (const response of responses) expect([201, 202, 422]).toContain(response.status);
    const started = responses
      .filter((response) => response.status === 202)
      .map((response) => (response.body as { id: string }).id);
    const ended = await Promise.all(started.map((transferId) => transfers.settled(transferId)));
    const held = responses.filter((r) => r.status === 201 && 'status' in (r.body as object)).length;
    const withdrawn = responses.filter(
      (r) => r.status === 201 && !('status' in (r.body as object)),
    ).length;
    const moved = ended.filter((transfer) => transfer.status === 'COMPLETED').length;
    expect(held + withdrawn + moved).toBe(65);
    expect(await lowestAvailable(database.dataSource, id)).toBe(-300);
    expect(await apis[0].account(id)).toMatchObject({
      availableBalance: -300,
      spendableBalance: 0,
    });
  });
});
