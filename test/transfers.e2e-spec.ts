import { storedIdempotencyKey } from './support/api';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { accountsApi } from './support/accounts-api';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';
import {
  accountLedger,
  blockCreditsTo,
  deadlinesOf,
  makeDeadlinesDue,
  processCommandsOf,
  transferEventCounts,
  transfersApi,
  TransferView,
} from './support/transfers-api';

/** Every error response: problem+json with a stable code, no stack trace, no SQL. */
function expectCleanProblem(response: request.Response, status: number, code: string): void {
  expect({ status: response.status, code: (response.body as { code?: string }).code }).toEqual({
    status,
    code,
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.stringify(response.body)).not.toMatch(
    /\bat .+\.(js|ts):\d+|node_modules|SELECT|INSERT|es_events|QueryFailedError/,
  );
}

/** Rows written anywhere a transfer could leave a trace. */
const writes = async (database: TestDatabase): Promise<Record<string, number>> => {
  const [row] = await database.dataSource.query<Record<string, number>[]>(
    `SELECT (SELECT count(*)::int FROM es_events) AS events,
            (SELECT count(*)::int FROM es_commands) AS commands,
            (SELECT count(*)::int FROM es_process_commands) AS process_commands,
            (SELECT count(*)::int FROM http_idempotency_keys) AS idempotency_keys`,
  );
  return row;
};

const countBy = (values: string[]): Record<string, number> =>
  values.reduce<Record<string, number>>(
    (counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }),
    {},
  );

describe('transfers', () => {
  let database: TestDatabase;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    database = await openTestDatabase('transfers');
    // Two instances on one database: each runs the process worker; the process manager
    // itself runs in whichever holds its projection lease.
    first = await startTestApp(database);
    second = await startTestApp(database);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.close();
  });

  const accounts = () => accountsApi(first.baseUrl);
  const transfers = () => transfersApi(first.baseUrl);

  async function funded(amount: number, currency = 'EUR'): Promise<string> {
    const api = accounts();
    const id = await api.open(currency);
    if (amount > 0) await api.deposit(id, amount).expect(201);
    return id;
  }

  describe('outcomes', () => {
    it('a covered transfer completes: the source is debited, the destination credited', async () => {
      const from = await funded(1_000);
      const to = await funded(50);
      const { id, position } = await transfers().start(from, to, 300);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(BigInt(position)).toBeGreaterThan(0n);

      const done = await transfers().settled(id);
      expect(done).toMatchObject({
        id,
        fromAccountId: from,
        toAccountId: to,
        amount: 300,
        currency: 'EUR',
        status: 'COMPLETED',
        reason: null,
      });
      expect(Date.parse(done.updatedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
      expect(await accounts().account(from)).toMatchObject({ balance: 700 });
      expect(await accounts().account(to)).toMatchObject({ balance: 350 });
      // The source's settlement is sent beside the completion: it lands moments later.
      await eventually(async () => {
        expect(await transferEventCounts(database.dataSource, id)).toEqual({
          TransferInitiated: 1,
          MoneyDebitedForTransfer: 1,
          MoneyCreditedForTransfer: 1,
          TransferDebitSettled: 1,
          TransferCompleted: 1,
        });
      }, 15_000);
    });

    it('an uncovered transfer fails with INSUFFICIENT_FUNDS and nothing moves', async () => {
      const from = await funded(100);
      const to = await funded(5);
      const { id } = await transfers().start(from, to, 101);

      expect(await transfers().settled(id)).toMatchObject({
        status: 'FAILED',
        reason: 'INSUFFICIENT_FUNDS',
        amount: 101,
      });
      expect(await accounts().account(from)).toMatchObject({ balance: 100 });
      expect(await accounts().account(to)).toMatchObject({ balance: 5 });
      // Not moved and given back: never moved at all.
      expect(await transferEventCounts(database.dataSource, id)).toEqual({
        TransferInitiated: 1,
        TransferFailed: 1,
      });
      expect((await accountLedger(database.dataSource, from)).types).toEqual([
        'AccountOpened',
        'MoneyDeposited',
      ]);
    });

    it('a transfer to a closed account is COMPENSATED (ACCOUNT_CLOSED): debited, then refunded once', async () => {
      const from = await funded(500);
      const to = await funded(0);
      await accounts().http().post(`/accounts/${to}/close`).expect(200);
      const { id } = await transfers().start(from, to, 200);

      expect(await transfers().settled(id)).toMatchObject({
        status: 'COMPENSATED',
        reason: 'ACCOUNT_CLOSED',
      });
      expect(await accounts().account(from)).toMatchObject({ balance: 500 });
      expect(await accounts().account(to)).toMatchObject({ balance: 0, status: 'CLOSED' });
      const source = await accountLedger(database.dataSource, from);
      // The money really left and came back by a compensating event, not by deleting anything.
      expect(source.types).toEqual([
        'AccountOpened',
        'MoneyDeposited',
        'MoneyDebitedForTransfer',
        'TransferDebitRefunded',
      ]);
      expect(source).toMatchObject({ balance: 500, lowest: 0 });
      expect(await transferEventCounts(database.dataSource, id)).toEqual({
        TransferInitiated: 1,
        MoneyDebitedForTransfer: 1,
        TransferCreditCancelled: 1,
        TransferDebitRefunded: 1,
        TransferCompensated: 1,
      });
    });

    it('a transfer into another currency is COMPENSATED (CURRENCY_MISMATCH)', async () => {
      const from = await funded(500, 'EUR');
      const to = await funded(40, 'USD');
      const { id } = await transfers().start(from, to, 120);

      expect(await transfers().settled(id)).toMatchObject({
        status: 'COMPENSATED',
        reason: 'CURRENCY_MISMATCH',
        currency: 'EUR',
      });
      expect(await accounts().account(from)).toMatchObject({ balance: 500 });
      expect(await accounts().account(to)).toMatchObject({ balance: 40 });
      expect(await transferEventCounts(database.dataSource, id)).toEqual({
        TransferInitiated: 1,
        MoneyDebitedForTransfer: 1,
        TransferCreditCancelled: 1,
        TransferDebitRefunded: 1,
        TransferCompensated: 1,
      });
    });
  });

  describe('bad requests are problem+json and write nothing', () => {
    let from: string;
    let to: string;
    beforeAll(async () => {
      from = await funded(1_000);
      to = await funded(0);
    });

    it.each([
      ['zero', 0],
      ['negative', -5],
      ['fractional', 10.5],
      ['a string', '10'],
      ['null', null],
      ['above the maximum', 100_000_000_001],
    ])('amount %s: 400 VALIDATION_FAILED on amount', async (_, amount) => {
      const before = await writes(database);
      const response = await transfers().initiate(
        { fromAccountId: from, toAccountId: to, amount },
        { 'Idempotency-Key': randomUUID() },
      );
      expectCleanProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body).toMatchObject({ errors: [{ field: 'amount' }] });
      expect(await writes(database)).toEqual(before);
    });

    it('the same account on both sides (in any letter case): 400 VALIDATION_FAILED', async () => {
      const before = await writes(database);
      for (const toAccountId of [from, from.toUpperCase()]) {
        const response = await transfers().initiate({
          fromAccountId: from,
          toAccountId,
          amount: 1,
        });
        expectCleanProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body).toMatchObject({ errors: [{ field: 'toAccountId' }] });
      }
      expect(await writes(database)).toEqual(before);
    });

    it.each([
      ['fromAccountId', 'not-a-uuid'],
      ['fromAccountId', 42],
      ['toAccountId', `${randomUUID()}x`],
      ['toAccountId', ''],
      ['toAccountId', undefined],
    ])('malformed %s (%p): 400 VALIDATION_FAILED', async (field, bad) => {
      const before = await writes(database);
      const body = { fromAccountId: from, toAccountId: to, amount: 1, [field]: bad };
      const response = await transfers().initiate(body);
      expectCleanProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body).toMatchObject({ errors: [{ field }] });
      expect(await writes(database)).toEqual(before);
    });

    it('an unknown source or destination: 404 ACCOUNT_NOT_FOUND', async () => {
      const before = await writes(database);
      for (const body of [
        { fromAccountId: randomUUID(), toAccountId: to, amount: 1 },
        { fromAccountId: from, toAccountId: randomUUID(), amount: 1 },
      ]) {
        expectCleanProblem(await transfers().initiate(body), 404, 'ACCOUNT_NOT_FOUND');
      }
      expect(await writes(database)).toEqual(before);
    });

    it('GET an unknown transfer: 404 TRANSFER_NOT_FOUND; a malformed id: 400 INVALID_ID', async () => {
      expectCleanProblem(
        await transfers().http().get(`/transfers/${randomUUID()}`),
        404,
        'TRANSFER_NOT_FOUND',
      );
      expectCleanProblem(await transfers().http().get('/transfers/nope'), 400, 'INVALID_ID');
      expectCleanProblem(
        await transfers().http().get('/transfers?accountId=nope'),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('Idempotency-Key', () => {
    const initiated = async (transferId: string): Promise<number> =>
      (
        await database.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM es_events
            WHERE type = 'TransferInitiated' AND data->>'transferId' = $1`,
          [transferId],
        )
      )[0].n;

    it('the same key and body twice creates one transfer: same id, one TransferInitiated', async () => {
      const from = await funded(100);
      const to = await funded(0);
      const body = { fromAccountId: from, toAccountId: to, amount: 10 };
      const key = `transfer-${randomUUID()}`;
      const once = await transfers().initiate(body, { 'Idempotency-Key': key }).expect(202);
      const again = await transfers().initiate(body, { 'Idempotency-Key': key }).expect(202);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(once.body);
      const { id } = once.body as { id: string };
      // Accepted: Location is the transfer to follow, on the replay too.
      expect(once.headers.location).toBe(`/transfers/${id}`);
      expect(again.headers.location).toBe(once.headers.location);
      expect(await initiated(id)).toBe(1);
      // A different body under the same key is refused, not a second transfer.
      expectCleanProblem(
        await transfers().initiate({ ...body, amount: 11 }, { 'Idempotency-Key': key }),
        422,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(await transfers().settled(id)).toMatchObject({ status: 'COMPLETED' });
      expect(await accounts().account(from)).toMatchObject({ balance: 90 });
      expect(await accounts().account(to)).toMatchObject({ balance: 10 });
    });

    it('sent to both instances at once, and again after its HTTP record is lost: still one transfer', async () => {
      const from = await funded(100);
      const to = await funded(0);
      const body = { fromAccountId: from, toAccountId: to, amount: 7 };
      const key = `transfer-${randomUUID()}`;
      const racing = await Promise.all(
        [first, second].map((app) =>
          transfersApi(app.baseUrl).initiate(body, { 'Idempotency-Key': key }),
        ),
      );
      expect(racing.map((r) => r.status)).toEqual([202, 202]);
      const ids = new Set(racing.map((r) => (r.body as { id: string }).id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];

      // As after a crash between the event append and the key's completion: the command id
      // derived from the key makes the event store answer with the first transfer.
      await database.dataSource.query(
        'DELETE FROM http_idempotency_keys WHERE idempotency_key = $1',
        [storedIdempotencyKey(key)],
      );
      const resent = await transfers().initiate(body, { 'Idempotency-Key': key }).expect(202);
      expect((resent.body as { id: string }).id).toBe(id);
      expect(await initiated(id)).toBe(1);
      const [{ n }] = await database.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM es_events
          WHERE type = 'TransferInitiated' AND data->>'fromAccountId' = $1`,
        [from],
      );
      expect(n).toBe(1);
      expect(await transfers().settled(id)).toMatchObject({ status: 'COMPLETED' });
      expect(await accounts().account(from)).toMatchObject({ balance: 93 });
    });
  });

  describeOnServer('concurrency', () => {
    it('50 concurrent transfers of 10 out of 200, over two instances: 20 complete, 30 fail, never negative', async () => {
      const source = await funded(200);
      const destinations = await Promise.all(Array.from({ length: 5 }, () => funded(0)));
      const apis = [transfersApi(first.baseUrl), transfersApi(second.baseUrl)];

      const started = Date.now();
      const accepted = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          apis[i % 2].initiate({
            fromAccountId: source,
            toAccountId: destinations[i % destinations.length],
            amount: 10,
          }),
        ),
      );
      expect(countBy(accepted.map((r) => String(r.status)))).toEqual({ '202': 50 });
      const ids = accepted.map((r) => (r.body as { id: string }).id);
      const views: TransferView[] = await Promise.all(
        ids.map((id, i) => apis[i % 2].settled(id, 45_000)),
      );
      const settledMs = Date.now() - started;

      expect(countBy(views.map((v) => `${v.status}:${v.reason ?? ''}`))).toEqual({
        'COMPLETED:': 20,
        'FAILED:INSUFFICIENT_FUNDS': 30,
      });
      const book = await accountLedger(database.dataSource, source);
      expect(book).toMatchObject({ balance: 0, lowest: 0 });
      expect(book.types.filter((t) => t === 'MoneyDebitedForTransfer')).toHaveLength(20);
      expect(await accounts().account(source)).toMatchObject({ balance: 0 });
      const landed = await Promise.all(
        destinations.map(async (id) => (await accountLedger(database.dataSource, id)).balance),
      );
      expect(landed.reduce((sum, b) => sum + b, 0)).toBe(200);
      // Each completed transfer landed exactly where it was sent.
      for (const view of views.filter((v) => v.status === 'COMPLETED')) {
        await eventually(async () => {
          expect(await transferEventCounts(database.dataSource, view.id)).toEqual({
            TransferInitiated: 1,
            MoneyDebitedForTransfer: 1,
            MoneyCreditedForTransfer: 1,
            TransferDebitSettled: 1,
            TransferCompleted: 1,
          });
        }, 15_000);
      }
      console.info(
        `[transfers] 50 concurrent transfers over two instances settled in ${settledMs} ms`,
      );
    }, 90_000);
  });

  describe('GET /transfers?accountId= (read model)', () => {
    it("lists an account's transfers, outgoing and incoming, oldest first, keyset-paged", async () => {
      const mine = await funded(1_000);
      const other = await funded(500);
      const third = await funded(0);
      const started = [
        await transfers().start(mine, other, 1),
        await transfers().start(mine, third, 2),
        await transfers().start(other, mine, 3),
        await transfers().start(mine, other, 4),
        await transfers().start(other, mine, 5),
      ];
      await transfers().start(other, third, 6); // not mine: never listed
      const last = started[started.length - 1].position;

      const pages: TransferView[][] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const query: Record<string, string | number> = { accountId: mine, limit: 2 };
        if (cursor !== null) query.cursor = cursor;
        const response = await transfers()
          .http()
          .get('/transfers')
          .query(query)
          .set('X-Min-Position', last)
          .expect(200);
        const body = response.body as { items: TransferView[]; nextCursor: string | null };
        pages.push(body.items);
        cursor = body.nextCursor;
        if (cursor === null) break;
      }
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      const listed = pages.flat();
      // In the order they were initiated, not the order of their (random) ids.
      const expectedIds = started.map((s) => s.id);
      expect(listed.map((v) => v.id)).toEqual(expectedIds);
      for (const view of listed) {
        expect(view.fromAccountId === mine || view.toAccountId === mine).toBe(true);
        expect(view).toMatchObject({ currency: 'EUR' });
      }
      expect(listed.find((v) => v.id === started[2].id)).toMatchObject({
        fromAccountId: other,
        toAccountId: mine,
        amount: 3,
      });

      // The read model follows each transfer to its end.
      await Promise.all(started.map((s) => transfers().settled(s.id)));
      await eventually(async () => {
        const response = await transfers()
          .http()
          .get('/transfers')
          .query({ accountId: mine, limit: 50 })
          .expect(200);
        const body = response.body as { items: TransferView[] };
        expect(body.items.map((v) => v.status)).toEqual(Array(5).fill('COMPLETED'));
      }, 15_000);
      expectCleanProblem(
        await transfers().http().get('/transfers').query({ accountId: mine, cursor: 'garbage' }),
        400,
        'INVALID_CURSOR',
      );
    });
  });
});

describe('a credit that cannot happen in time', () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    // Its own database: the deadline is set by whichever instance runs the process manager.
    // A deadline far away, brought forward by the tests (makeDeadlinesDue) once what must come
    // before it has happened: a short timer raced the credit's first try on a loaded machine.
    database = await openTestDatabase('transfers_deadline');
    app = await startTestApp(database, { TRANSFER_CREDIT_TIMEOUT_MS: '600000' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('is cancelled at its deadline and the source refunded (CREDIT_DEADLINE_PASSED); no late credit ever lands', async () => {
    const accounts = accountsApi(app.baseUrl);
    const transfers = transfersApi(app.baseUrl);
    const from = await accounts.open();
    await accounts.deposit(from, 500).expect(201);
    const to = await accounts.open();
    await accounts.deposit(to, 7).expect(201);

    const block = await blockCreditsTo(database.dataSource, database.schema, to);
    let id: string;
    try {
      ({ id } = await transfers.start(from, to, 200));
      // The credit is really attempted and fails with a plain error, so it is retried...
      await eventually(async () => expect(await block.hits()).toBeGreaterThanOrEqual(1), 30_000);
      // ...until its deadline passes: scheduled by the configured timeout, brought forward here.
      const [scheduled] = await deadlinesOf(database.dataSource, id);
      expect(scheduled.due_at.getTime() - Date.now()).toBeGreaterThan(500_000);
      await makeDeadlinesDue(database.dataSource, id);
      const done = await transfers.settled(id, 20_000);
      expect(done).toMatchObject({ status: 'COMPENSATED', reason: 'CREDIT_DEADLINE_PASSED' });
      const credit = (await processCommandsOf(database.dataSource, id)).find(
        (c) => c.label === 'TransferStepCommand credit',
      );
      expect(credit!.attempts).toBeGreaterThanOrEqual(1);
    } finally {
      await block.release();
    }

    expect(await accounts.account(from)).toMatchObject({ balance: 500 });
    expect(await accounts.account(to)).toMatchObject({ balance: 7 });
    expect((await accountLedger(database.dataSource, to)).types).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'TransferCreditCancelled',
    ]);

    // The fault is gone; the credit is sent again, as a worker that crashed before recording
    // its outcome would: the account refuses it for good (the cancellation is in its stream).
    const creditCommand = async () =>
      (await processCommandsOf(database.dataSource, id)).find(
        (c) => c.label === 'TransferStepCommand credit',
      );
    await eventually(async () => {
      expect(await creditCommand()).toMatchObject({ status: 'rejected' });
    }, 40_000);
    await database.dataSource.query(
      `UPDATE es_process_commands SET status = 'pending', outcome = NULL, handled_at = NULL,
              claimed_until = NULL, available_at = now()
        WHERE id = $1`,
      [(await creditCommand())!.id],
    );
    await eventually(async () => {
      expect(await creditCommand()).toMatchObject({
        status: 'rejected',
        outcome: 'rejected: TRANSFER_CREDIT_CANCELLED',
      });
    }, 20_000);
    await sleep(1_000);
    expect(await accounts.account(to)).toMatchObject({ balance: 7 });
    expect(await accounts.account(from)).toMatchObject({ balance: 500 });
    expect(await transfers.get(id)).toMatchObject({
      status: 'COMPENSATED',
      reason: 'CREDIT_DEADLINE_PASSED',
    });
    expect(await transferEventCounts(database.dataSource, id)).toEqual({
      TransferInitiated: 1,
      MoneyDebitedForTransfer: 1,
      TransferCreditCancelled: 1,
      TransferDebitRefunded: 1,
      TransferCompensated: 1,
    });
    expect(await deadlinesOf(database.dataSource, id)).toEqual([
      expect.objectContaining({ key: 'credit', status: 'fired' }),
    ]);
    const [pending] = await database.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM es_process_commands WHERE status = 'pending'`,
    );
    expect(pending.n).toBe(0);
  }, 60_000);

  it('an account cannot be closed while an outgoing transfer is in flight, so a refund never lands on a closed account', async () => {
    const accounts = accountsApi(app.baseUrl);
    const transfers = transfersApi(app.baseUrl);
    const from = await accounts.open();
    await accounts.deposit(from, 100).expect(201);
    const to = await accounts.open();
    const block = await blockCreditsTo(database.dataSource, database.schema, to);
    let id: string;
    try {
      ({ id } = await transfers.start(from, to, 100));
      await eventually(async () =>
        expect(await accounts.account(from)).toMatchObject({ balance: 0 }),
      );
      // Debited, not yet credited: the balance is 0 but the money may come back.
      const refused = await accounts.http().post(`/accounts/${from}/close`).expect(409);
      expect(refused.body).toMatchObject({ code: 'TRANSFER_IN_FLIGHT' });
      await makeDeadlinesDue(database.dataSource, id);
      expect(await transfers.settled(id, 20_000)).toMatchObject({ status: 'COMPENSATED' });
    } finally {
      await block.release();
    }
    // Refunded: the money is back on an open account, where it can be withdrawn.
    expect(await accounts.account(from)).toMatchObject({ balance: 100, status: 'OPEN' });
    await accounts.withdraw(from, 100).expect(201);
    await accounts.http().post(`/accounts/${from}/close`).expect(200);

    // A completed transfer settles the source's debit: then it can be closed.
    const source = await accounts.open();
    await accounts.deposit(source, 40).expect(201);
    const done = await transfers.start(source, to, 40);
    expect(await transfers.settled(done.id, 20_000)).toMatchObject({ status: 'COMPLETED' });
    await eventually(async () => {
      await accounts.http().post(`/accounts/${source}/close`).expect(200);
    }, 20_000);
  }, 60_000);
});
