import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { accountsApi } from './support/accounts-api';
import { httpApi } from './support/api';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { openTestDatabase, TestDatabase } from './support/test-database';
import { mintToken } from './support/tokens';
import {
  accountLedger,
  deadlinesOf,
  processCommandsOf,
  transferEventCounts,
  transfersApi,
  TransferView,
} from './support/transfers-api';

/*
 * Four eyes on large transfers: above APPROVAL_THRESHOLD (default 1 000 000 minor units) a
 * transfer waits for a second teller; nothing moves until then. Two tellers with their own
 * tokens (their own `sub`) play the initiator and the approver.
 */

const THRESHOLD = 1_000_000;
const LARGE = THRESHOLD + 1;

/** The events that would show money moving (or moved back) on an account stream. */
const MONEY_STEPS = [
  'MoneyDebitedForTransfer',
  'MoneyCreditedForTransfer',
  'TransferCreditCancelled',
  'TransferDebitRefunded',
  'TransferDebitSettled',
];

function expectProblem(response: request.Response, status: number, code: string): void {
  expect({ status: response.status, code: (response.body as { code?: string }).code }).toEqual({
    status,
    code,
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/** An app on its own database, two tellers, and helpers speaking as either of them. */
function approvalsFixture(label: string, env: NodeJS.ProcessEnv = {}) {
  const fixture = {} as {
    database: TestDatabase;
    app: TestApp;
    initiator: string;
    approver: string;
  };
  beforeAll(async () => {
    fixture.database = await openTestDatabase(label);
    fixture.app = await startTestApp(fixture.database, env);
    fixture.initiator = await mintToken({ roles: ['teller'], subject: `${label}-teller-1` });
    fixture.approver = await mintToken({ roles: ['teller'], subject: `${label}-teller-2` });
  });
  afterAll(async () => {
    try {
      await fixture.app?.close();
    } finally {
      await fixture.database?.close();
    }
  });

  const as = (token: string) => httpApi(fixture.app.baseUrl, token);
  const accounts = () => accountsApi(fixture.app.baseUrl);
  const transfers = () => transfersApi(fixture.app.baseUrl);
  return {
    fixture,
    as,
    transfers,
    async funded(amount: number): Promise<string> {
      const id = await accounts().open('EUR');
      if (amount > 0) await accounts().deposit(id, amount).expect(201);
      return id;
    },
    async initiate(from: string, to: string, amount: number) {
      const response = await as(fixture.initiator)
        .post('/transfers')
        .send({ fromAccountId: from, toAccountId: to, amount })
        .expect(202);
      return response.body as { id: string; position: string };
    },
    approve: (id: string, token = fixture.approver) => as(token).post(`/transfers/${id}/approve`),
    reject: (id: string, body?: Record<string, unknown>, token = fixture.approver) =>
      body === undefined
        ? as(token).post(`/transfers/${id}/reject`)
        : as(token).post(`/transfers/${id}/reject`).send(body),
    /** Both accounts' books of record: balances and event types. */
    async books(from: string, to: string) {
      const dataSource = fixture.database.dataSource;
      return {
        from: await accountLedger(dataSource, from),
        to: await accountLedger(dataSource, to),
      };
    },
    /** Until the process has seen the transfer: its approval deadline is stored. */
    async awaitingInProcess(id: string): Promise<void> {
      await eventually(async () => {
        const deadlines = await deadlinesOf(fixture.database.dataSource, id);
        expect(deadlines.map((d) => d.key)).toContain('approval');
      }, 30_000);
    },
  };
}

describe('four-eyes approval of large transfers', () => {
  const api = approvalsFixture('transfer_approvals');
  const { fixture } = api;

  it('above the threshold nothing moves until a different teller approves; then it completes', async () => {
    const from = await api.funded(3_000_000);
    const to = await api.funded(0);
    const before = await api.books(from, to);
    const { id, position } = await api.initiate(from, to, LARGE);
    expect(BigInt(position)).toBeGreaterThan(0n);

    expect(await api.transfers().get(id)).toMatchObject({
      id,
      amount: LARGE,
      status: 'AWAITING_APPROVAL',
      reason: null,
    });
    // The initiator is recorded with the transfer (their sub, as the events' actor).
    const [initiated] = await fixture.database.dataSource.query<{ data: { approval: unknown } }[]>(
      `SELECT data FROM es_events WHERE stream_id = $1 AND type = 'TransferInitiated'`,
      [`transfer-${id}`],
    );
    expect(initiated.data.approval).toEqual({ initiatedBy: 'user:transfer_approvals-teller-1' });
    await api.awaitingInProcess(id);
    // The process has seen it and sent nothing: no money moved.
    expect(await processCommandsOf(fixture.database.dataSource, id)).toEqual([]);
    expect(await api.books(from, to)).toEqual(before);

    // The initiator cannot approve it: 403, nothing recorded, still waiting.
    const self = await api.approve(id, fixture.initiator);
    expectProblem(self, 403, 'SELF_APPROVAL_FORBIDDEN');
    expect((await api.transfers().get(id)).status).toBe('AWAITING_APPROVAL');
    expect(await transferEventCounts(fixture.database.dataSource, id)).toEqual({
      TransferInitiated: 1,
    });

    // The pending approvals list shows it to tellers (and auditors).
    const auditor = await mintToken({ roles: ['auditor'], subject: 'approvals-auditor' });
    const pending = await api
      .as(auditor)
      .get('/transfers?status=AWAITING_APPROVAL&limit=200')
      .set('X-Min-Position', position)
      .expect(200);
    const listed = (pending.body as { items: TransferView[] }).items;
    expect(listed.find((item) => item.id === id)).toMatchObject({
      status: 'AWAITING_APPROVAL',
      amount: LARGE,
    });
    expect(listed.every((item) => item.status === 'AWAITING_APPROVAL')).toBe(true);
    expect(await api.books(from, to)).toEqual(before);

    // A different teller approves: 200 with the transfer's id, version, position and status.
    const approved = await api.approve(id).expect(200);
    expect(approved.body).toEqual({
      id,
      version: 2,
      position: expect.stringMatching(/^[0-9]+$/),
      status: 'PENDING',
    });

    const done = await api.transfers().settled(id);
    expect(done).toMatchObject({ status: 'COMPLETED', reason: null });
    const after = await api.books(from, to);
    expect(after.from.balance).toBe(before.from.balance - LARGE);
    expect(after.to.balance).toBe(before.to.balance + LARGE);
    // The approval deadline was cancelled with the approval.
    const deadlines = await deadlinesOf(fixture.database.dataSource, id);
    expect(deadlines.filter((d) => d.key === 'approval' && d.status === 'pending')).toEqual([]);

    // No second decision: 409 with a stable code, for either teller.
    expectProblem(await api.approve(id), 409, 'TRANSFER_NOT_AWAITING_APPROVAL');
    expectProblem(await api.reject(id), 409, 'TRANSFER_NOT_AWAITING_APPROVAL');
    await eventually(async () => {
      const later = await api
        .as(auditor)
        .get('/transfers?status=AWAITING_APPROVAL&limit=200')
        .expect(200);
      expect((later.body as { items: TransferView[] }).items.map((item) => item.id)).not.toContain(
        id,
      );
    });
  });

  it('a rejected transfer moves nothing and cannot be approved afterwards', async () => {
    const from = await api.funded(2_000_000);
    const to = await api.funded(0);
    const before = await api.books(from, to);
    const { id } = await api.initiate(from, to, LARGE);
    await api.awaitingInProcess(id);

    const rejected = await api.reject(id, { reason: 'beneficiary not verified' }).expect(200);
    expect(rejected.body).toMatchObject({ id, version: 2, status: 'REJECTED' });
    expect(await api.transfers().get(id)).toMatchObject({
      status: 'REJECTED',
      reason: 'beneficiary not verified',
    });
    expectProblem(await api.approve(id), 409, 'TRANSFER_NOT_AWAITING_APPROVAL');

    // The process ends too, and neither account ever sees a money step.
    await eventually(async () => {
      const [state] = await fixture.database.dataSource.query<{ phase: string }[]>(
        `SELECT state->>'phase' AS phase FROM es_process_state WHERE process_id = $1`,
        [id],
      );
      expect(state?.phase).toBe('DONE');
    }, 30_000);
    await sleep(300);
    const after = await api.books(from, to);
    expect(after).toEqual(before);
    for (const side of [after.from, after.to])
      expect(side.types.filter((type) => MONEY_STEPS.includes(type))).toEqual([]);
    expect(await processCommandsOf(fixture.database.dataSource, id)).toEqual([]);
    expect(await transferEventCounts(fixture.database.dataSource, id)).toEqual({
      TransferInitiated: 1,
      TransferRejected: 1,
    });
  });

  it('the initiator may withdraw the request, with no body; it ends REJECTED without a reason', async () => {
    const from = await api.funded(0);
    const to = await api.funded(0);
    const { id } = await api.initiate(from, to, LARGE);
    const rejected = await api.reject(id, undefined, fixture.initiator).expect(200);
    expect(rejected.body).toMatchObject({ id, status: 'REJECTED' });
    expect(await api.transfers().get(id)).toMatchObject({ status: 'REJECTED', reason: null });
  });

  it('an approval sent again with its Idempotency-Key replays the first answer', async () => {
    const from = await api.funded(LARGE);
    const to = await api.funded(0);
    const { id } = await api.initiate(from, to, LARGE);
    const key = { 'Idempotency-Key': randomUUID() };
    const first = await api.approve(id).set(key).expect(200);
    const again = await api.approve(id).set(key).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await transferEventCounts(fixture.database.dataSource, id)).toMatchObject({
      TransferApproved: 1,
    });
    expect((await api.transfers().settled(id)).status).toBe('COMPLETED');
  });

  it('at the threshold a transfer behaves exactly as before: no approval, it completes', async () => {
    const from = await api.funded(THRESHOLD);
    const to = await api.funded(0);
    const { id } = await api.initiate(from, to, THRESHOLD);
    const [initiated] = await fixture.database.dataSource.query<{ data: object }[]>(
      `SELECT data FROM es_events WHERE stream_id = $1 AND type = 'TransferInitiated'`,
      [`transfer-${id}`],
    );
    expect(Object.keys(initiated.data).sort()).toEqual(
      ['amount', 'currency', 'fromAccountId', 'toAccountId', 'transferId'].sort(),
    );
    expect(await api.transfers().settled(id)).toMatchObject({ status: 'COMPLETED' });
    expect((await api.books(from, to)).to.balance).toBe(THRESHOLD);
    expect(
      (await deadlinesOf(fixture.database.dataSource, id)).map((deadline) => deadline.key),
    ).toEqual(['credit']);
    expectProblem(await api.approve(id), 409, 'TRANSFER_NOT_AWAITING_APPROVAL');
  });

  it('an unknown transfer is 404 TRANSFER_NOT_FOUND; a bad reason is 400', async () => {
    expectProblem(await api.approve(randomUUID()), 404, 'TRANSFER_NOT_FOUND');
    expectProblem(await api.reject(randomUUID(), { reason: 'x' }), 404, 'TRANSFER_NOT_FOUND');
    const from = await api.funded(0);
    const { id } = await api.initiate(from, await api.funded(0), LARGE);
    expectProblem(await api.reject(id, { reason: '' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.approve(id).send({ reason: 'x' }), 400, 'VALIDATION_FAILED');
    expect((await api.transfers().get(id)).status).toBe('AWAITING_APPROVAL');
  });

  it('the pending list across accounts is for staff: a customer must name an account', async () => {
    const teller = api.as(fixture.approver);
    expectProblem(await teller.get('/transfers'), 400, 'VALIDATION_FAILED');
    const customerId = await accountsApi(fixture.app.baseUrl).customer();
    const customer = await mintToken({ roles: ['customer'], customerId });
    expectProblem(
      await api.as(customer).get('/transfers?status=AWAITING_APPROVAL'),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('an unapproved transfer expires at its approval deadline', () => {
  // A short deadline: the worker fires it within a few seconds.
  const api = approvalsFixture('transfer_approval_expiry', { APPROVAL_TIMEOUT_MS: '1500' });
  const { fixture } = api;

  it('ends EXPIRED, moves nothing and compensates nothing; approving it then is 409', async () => {
    const from = await api.funded(2_000_000);
    const to = await api.funded(10);
    const before = await api.books(from, to);
    const { id } = await api.initiate(from, to, LARGE);

    await eventually(async () => {
      expect(await api.transfers().get(id)).toMatchObject({
        status: 'EXPIRED',
        reason: 'APPROVAL_DEADLINE_PASSED',
      });
    }, 30_000);
    expectProblem(await api.approve(id), 409, 'TRANSFER_NOT_AWAITING_APPROVAL');

    await eventually(async () => {
      const [state] = await fixture.database.dataSource.query<{ phase: string }[]>(
        `SELECT state->>'phase' AS phase FROM es_process_state WHERE process_id = $1`,
        [id],
      );
      expect(state?.phase).toBe('DONE');
    }, 30_000);
    await sleep(300);
    const after = await api.books(from, to);
    expect(after).toEqual(before);
    // No refund, no cancellation, no debit: on neither account stream.
    for (const side of [after.from, after.to])
      expect(side.types.filter((type) => MONEY_STEPS.includes(type))).toEqual([]);
    expect(await transferEventCounts(fixture.database.dataSource, id)).toEqual({
      TransferInitiated: 1,
      TransferExpired: 1,
    });
    // The only command the process sent was the expiry, to the transfer stream.
    expect(
      (await processCommandsOf(fixture.database.dataSource, id)).map((command) => command.label),
    ).toEqual(['SettleTransferCommand']);
    await eventually(async () => {
      const listed = await api
        .as(fixture.approver)
        .get('/transfers?status=EXPIRED&limit=200')
        .expect(200);
      expect((listed.body as { items: TransferView[] }).items.map((item) => item.id)).toContain(id);
    });
  });
});
