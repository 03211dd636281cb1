import { randomUUID } from 'node:crypto';
import { accountsApi, uniqueDocumentNumber } from './support/accounts-api';
import { httpApi } from './support/api';
import { eventually } from './support/eventually';
import { useTestApp } from './support/test-app';
import { mintToken } from './support/tokens';

/**
 * Object-level access beyond the route matrix: idempotent replays never cross principals,
 * and every event names who caused it, down the transfer process's chain.
 */
const context = useTestApp('object_access');
const staff = accountsApi(() => context.app.baseUrl);

let customerA: string;
let customerB: string;
let tokenA: string;
let tokenB: string;
const SUBJECT_A = `customer-a-${randomUUID()}`;

interface HistoryEvent {
  type: string;
  actor: string;
  correlationId: string;
  causationId: string;
}

const history = async (accountId: string): Promise<HistoryEvent[]> =>
  (
    (await httpApi(context.app.baseUrl).get(`/accounts/${accountId}/events`).expect(200)).body as {
      items: HistoryEvent[];
    }
  ).items;

beforeAll(async () => {
  customerA = await staff.customer();
  const registered = await httpApi(context.app.baseUrl)
    .post('/customers')
    .send({ name: 'B', email: 'b@example.com', documentNumber: uniqueDocumentNumber() })
    .expect(201);
  customerB = (registered.body as { id: string }).id;
  tokenA = await mintToken({ roles: ['customer'], customerId: customerA, subject: SUBJECT_A });
  tokenB = await mintToken({ roles: ['customer'], customerId: customerB });
});

describe('Idempotency-Keys are per principal', () => {
  it("another customer's reuse of a key never replays the owner's response", async () => {
    const accountA = await staff.open('EUR', customerA);
    const accountB = await staff.open('EUR', customerB);
    await staff.deposit(accountA, 100).expect(201);
    await staff.deposit(accountB, 100).expect(201);
    const key = { 'Idempotency-Key': randomUUID() };

    const first = await httpApi(context.app.baseUrl, tokenA)
      .post(`/accounts/${accountA}/withdrawals`)
      .set(key)
      .send({ amount: 30 })
      .expect(201);

    // The same key, path and body from another customer: their own request, refused as for
    // an unknown account, never A's stored answer.
    const stranger = await mintToken({ roles: ['customer'], customerId: randomUUID() });
    const stolen = await httpApi(context.app.baseUrl, stranger)
      .post(`/accounts/${accountA}/withdrawals`)
      .set(key)
      .send({ amount: 30 });
    expect(stolen.status).toBe(404);
    expect(stolen.body).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    expect(stolen.headers['idempotent-replayed']).toBeUndefined();

    // The same key from B on B's own account is B's first use of it: it executes (with keys
    // shared across callers it would be 422 IDEMPOTENCY_KEY_REUSED).
    const own = await httpApi(context.app.baseUrl, tokenB)
      .post(`/accounts/${accountB}/withdrawals`)
      .set(key)
      .send({ amount: 30 })
      .expect(201);
    expect(own.headers['idempotent-replayed']).toBeUndefined();

    // A's retry still replays A's first answer.
    const replay = await httpApi(context.app.baseUrl, tokenA)
      .post(`/accounts/${accountA}/withdrawals`)
      .set(key)
      .send({ amount: 30 })
      .expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await staff.account(accountA)).toMatchObject({ balance: 70 });
    expect(await staff.account(accountB)).toMatchObject({ balance: 70 });
  });
});

describe('the principal is the actor', () => {
  it("a customer's withdrawal records user:<sub> as its actor", async () => {
    const account = await staff.open('EUR', customerA);
    await staff.deposit(account, 10).expect(201);
    await httpApi(context.app.baseUrl, tokenA)
      .post(`/accounts/${account}/withdrawals`)
      .send({ amount: 4 })
      .expect(201);
    const events = await history(account);
    expect(events.map((event) => [event.type, event.actor])).toEqual([
      ['AccountOpened', 'user:test-staff'],
      ['MoneyDeposited', 'user:test-staff'],
      ['MoneyWithdrawn', `user:${SUBJECT_A}`],
    ]);
  });

  it("a transfer's process commands act as system:transfer-process under the request's correlation id", async () => {
    const from = await staff.open('EUR', customerA);
    const to = await staff.open('EUR', customerB);
    await staff.deposit(from, 50).expect(201);
    const correlationId = `transfer-${randomUUID()}`;
    const started = await httpApi(context.app.baseUrl, tokenA)
      .post('/transfers')
      .set('X-Correlation-Id', correlationId)
      .send({ fromAccountId: from, toAccountId: to, amount: 20 })
      .expect(202);
    const transferId = (started.body as { id: string }).id;
    await eventually(async () => {
      const transfer = await httpApi(context.app.baseUrl, tokenA)
        .get(`/transfers/${transferId}`)
        .expect(200);
      expect(transfer.body).toMatchObject({ status: 'COMPLETED' });
    });
    const processEvents = [...(await history(from)), ...(await history(to))].filter(
      (event) => event.actor !== 'user:test-staff',
    );
    expect(processEvents.length).toBeGreaterThanOrEqual(2);
    for (const event of processEvents) {
      expect(event).toMatchObject({ actor: 'system:transfer-process', correlationId });
    }
    // The receiving customer sees the transfer too; a third customer does not.
    await httpApi(context.app.baseUrl, tokenB).get(`/transfers/${transferId}`).expect(200);
    const stranger = await mintToken({ roles: ['customer'], customerId: randomUUID() });
    const hidden = await httpApi(context.app.baseUrl, stranger).get(`/transfers/${transferId}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ code: 'TRANSFER_NOT_FOUND' });
  });

  it('a customer cannot move money out of an account that is not theirs, by any write', async () => {
    const account = await staff.open('EUR', customerA);
    await staff.deposit(account, 100).expect(201);
    const asB = () => httpApi(context.app.baseUrl, tokenB);
    const attempts = [
      asB().post(`/accounts/${account}/withdrawals`).send({ amount: 1 }),
      asB().post(`/accounts/${account}/close`),
      asB().post('/transfers').send({ fromAccountId: account, toAccountId: account, amount: 1 }),
      asB()
        .post('/transfers')
        .send({
          fromAccountId: account,
          toAccountId: await staff.open('EUR', customerB),
          amount: 1,
        }),
      asB().post('/accounts').send({ customerId: customerA, currency: 'EUR' }),
      asB()
        .post(`/customers/${customerA}/contact-details`)
        .send({ name: 'X', email: 'x@example.com' }),
    ];
    const statuses = (await Promise.all(attempts)).map((response) => response.status);
    // The self-transfer is refused on its body (400) before any account is looked at.
    expect(statuses).toEqual([404, 404, 400, 404, 404, 404]);
    expect(await staff.account(account)).toMatchObject({ balance: 100, status: 'OPEN' });
  });

  it('answers a foreign account exactly as a missing one, If-Match or not', async () => {
    const account = await staff.open('EUR', customerA);
    await staff.deposit(account, 100).expect(201);
    const missing = randomUUID();
    const asB = () => httpApi(context.app.baseUrl, tokenB);
    const detailOf = (body: unknown, id: string): string =>
      (body as { detail: string }).detail.replace(id, '<id>');
    for (const [path, body] of [
      ['withdrawals', { amount: 1 }],
      ['close', undefined],
    ] as const) {
      for (const ifMatch of [undefined, '"2"', '"999"']) {
        const attempt = (id: string) => {
          const pending = asB().post(`/accounts/${id}/${path}`);
          if (ifMatch) pending.set('If-Match', ifMatch);
          return body ? pending.send(body) : pending;
        };
        const [foreign, unknown] = [await attempt(account), await attempt(missing)];
        expect([foreign.status, unknown.status]).toEqual([404, 404]);
        expect(detailOf(foreign.body, account)).toBe(detailOf(unknown.body, missing));
      }
    }
    // A transfer from a foreign account to an unknown one names the source, as for a missing one.
    const transfer = (from: string) =>
      asB().post('/transfers').send({ fromAccountId: from, toAccountId: randomUUID(), amount: 1 });
    const [foreign, unknown] = [await transfer(account), await transfer(missing)];
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
    expect(detailOf(foreign.body, account)).toBe(detailOf(unknown.body, missing));
    expect(await staff.account(account)).toMatchObject({ balance: 100, status: 'OPEN' });
  });

  it('acts with the roles a route allows: a customer who is also an auditor reads all, moves only their own', async () => {
    const othersAccount = await staff.open('EUR', customerB);
    await staff.deposit(othersAccount, 100).expect(201);
    const both = await mintToken({ roles: ['customer', 'auditor'], customerId: customerA });
    const asBoth = () => httpApi(context.app.baseUrl, both);
    await asBoth().get(`/accounts/${othersAccount}`).expect(200);
    const withdrawal = await asBoth()
      .post(`/accounts/${othersAccount}/withdrawals`)
      .send({ amount: 10 });
    expect(withdrawal.status).toBe(404);
    const transfer = await asBoth()
      .post('/transfers')
      .send({
        fromAccountId: othersAccount,
        toAccountId: await staff.open('EUR', customerA),
        amount: 10,
      });
    expect(transfer.status).toBe(404);
    expect(await staff.account(othersAccount)).toMatchObject({ balance: 100 });
  });

  it('shows the recipient a transfer only once it is credited', async () => {
    const from = await staff.open('EUR', customerA);
    const to = await staff.open('EUR', customerB);
    await staff.deposit(from, 10).expect(201);
    const start = async (amount: number): Promise<string> => {
      const response = await httpApi(context.app.baseUrl, tokenA)
        .post('/transfers')
        .send({ fromAccountId: from, toAccountId: to, amount })
        .expect(202);
      return (response.body as { id: string }).id;
    };
    const failed = await start(1_000);
    const completed = await start(5);
    const statusOf = async (id: string): Promise<string> =>
      (
        (await httpApi(context.app.baseUrl, tokenA).get(`/transfers/${id}`).expect(200)).body as {
          status: string;
        }
      ).status;
    await eventually(async () => {
      expect([await statusOf(failed), await statusOf(completed)]).toEqual(['FAILED', 'COMPLETED']);
    });
    const asB = () => httpApi(context.app.baseUrl, tokenB);
    expect((await asB().get(`/transfers/${failed}`)).status).toBe(404);
    await asB().get(`/transfers/${completed}`).expect(200);
    await eventually(async () => {
      const listed = (await asB().get(`/transfers?accountId=${to}`).expect(200)).body as {
        items: { id: string }[];
      };
      expect(listed.items.map((item) => item.id)).toEqual([completed]);
    });
  });
});
