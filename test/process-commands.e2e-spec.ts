import { setTimeout as sleep } from 'node:timers/promises';
import { httpApi } from './support/api';
import { accountsApi } from './support/accounts-api';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { openTestDatabase, TestDatabase } from './support/test-database';
import { mintToken } from './support/tokens';
import {
  blockCreditsTo,
  processCommandsOf,
  StoredTransferCommand,
  transfersApi,
} from './support/transfers-api';

/*
 * A process command that keeps failing is parked after PROCESS_COMMAND_MAX_ATTEMPTS failed
 * sends instead of being retried forever; operators see it (and the transfer waiting on it) in
 * the admin API, and their retry sends it again. The fault is real: a trigger refuses the
 * credit's insert into the destination's stream with a plain SQL error.
 */

interface CommandRow {
  id: string;
  manager: string;
  processId: string;
  type: string;
  label: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

interface CommandsBody {
  items: CommandRow[];
  nextCursor: string | null;
  pending: number;
  parked: number;
}

const MAX_ATTEMPTS = 3;

let database: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  database = await openTestDatabase('process_commands');
  // The credit's deadline is far away: this is about parking, not compensation.
  app = await startTestApp(database, {
    PROCESS_COMMAND_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    TRANSFER_CREDIT_TIMEOUT_MS: '3600000',
  });
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe('a process command that keeps failing', () => {
  it('is parked after its last attempt, the transfer stays PENDING; an operator retry completes it', async () => {
    const accounts = accountsApi(app.baseUrl);
    const transfers = transfersApi(app.baseUrl);
    // The staff token holds the admin role; an auditor reads the same views.
    const admin = () => httpApi(app.baseUrl);
    const auditor = httpApi(app.baseUrl, await mintToken({ roles: ['auditor'] }));
    const from = await accounts.open();
    await accounts.deposit(from, 500).expect(201);
    const to = await accounts.open();

    const block = await blockCreditsTo(database.dataSource, database.schema, to);
    let id: string;
    let parked: CommandRow | undefined;
    try {
      ({ id } = await transfers.start(from, to, 200));
      await eventually(async () => {
        const body = (await admin().get('/admin/process-commands').expect(200))
          .body as CommandsBody;
        parked = body.items.find((command) => command.processId === id);
        expect(parked).toMatchObject({
          manager: 'transfer-process',
          type: 'TransferStepCommand',
          label: 'TransferStepCommand credit',
          status: 'parked',
          attempts: MAX_ATTEMPTS,
          lastError: expect.stringContaining(`credits to account-${to} are blocked`),
        });
        expect(body.parked).toBe(1);
      }, 30_000);
      expect(await block.hits()).toBe(MAX_ATTEMPTS);
      expect(Date.parse(parked!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(parked!.createdAt));

      const pendingAndParked = (
        await auditor.get('/admin/process-commands').query({ status: 'pending,parked' }).expect(200)
      ).body as CommandsBody;
      expect(pendingAndParked.items.map((command) => [command.id, command.status])).toEqual([
        [parked!.id, 'parked'],
      ]);

      // The transfer waits, and the operators see why: its process is crediting, one command parked.
      expect(await transfers.get(id)).toMatchObject({ status: 'PENDING' });
      await eventually(async () => {
        const stuck = (
          await auditor.get('/admin/transfers/stuck').query({ olderThanSeconds: 0 }).expect(200)
        ).body as { items: unknown[] };
        expect(stuck.items).toEqual([
          expect.objectContaining({
            id,
            fromAccountId: from,
            toAccountId: to,
            amount: 200,
            currency: 'EUR',
            phase: 'CREDITING',
            parkedCommands: 1,
            pendingCommands: 0,
          }),
        ]);
      });
      const recent = (
        await admin().get('/admin/transfers/stuck').query({ olderThanSeconds: 3600 }).expect(200)
      ).body as unknown;
      expect(recent).toEqual({ items: [], nextCursor: null });
      // Its credit deadline is still ahead (not due).
      const deadlines = (await auditor.get('/admin/process-deadlines').expect(200)).body as {
        items: { processId: string; key: string; due: boolean }[];
      };
      expect(deadlines.items).toEqual([
        expect.objectContaining({ processId: id, key: 'credit', due: false }),
      ]);
      expect((await admin().get('/admin/process-deadlines?due=true').expect(200)).body).toEqual({
        items: [],
        nextCursor: null,
      });
    } finally {
      await block.release();
    }

    // The fault is gone, but parked means parked: nothing sends it behind the operator's back.
    await sleep(1_500);
    expect(await block.hits()).toBe(MAX_ATTEMPTS);
    expect((await processCommandsOf(database.dataSource, id)).map((c) => c.status)).toEqual([
      'done',
      'parked',
    ]);
    expect(await transfers.get(id)).toMatchObject({ status: 'PENDING' });

    // An auditor reads but may not retry.
    await auditor.post(`/admin/process-commands/${parked!.id}/retry`).expect(403);
    const retried = await admin().post(`/admin/process-commands/${parked!.id}/retry`).expect(202);
    expect(retried.body).toEqual({ id: parked!.id, status: 'pending' });
    expect(retried.headers.location).toBe('/admin/process-commands?status=pending');
    expect(await transfers.settled(id)).toMatchObject({ status: 'COMPLETED', reason: null });
    expect(await accounts.account(from)).toMatchObject({ balance: 300 });
    expect(await accounts.account(to)).toMatchObject({ balance: 200 });
    expect(await processCommandsOf(database.dataSource, id)).toEqual([
      expect.objectContaining({ label: 'TransferStepCommand debit', status: 'done' }),
      expect.objectContaining({ label: 'TransferStepCommand credit', status: 'done', attempts: 0 }),
      expect.objectContaining({ label: 'TransferStepCommand settle-debit', status: 'done' }),
      expect.objectContaining({ label: 'SettleTransferCommand', status: 'done' }),
    ]);
    const after = (await admin().get('/admin/process-commands?status=parked,pending').expect(200))
      .body as CommandsBody;
    expect(after).toEqual({ items: [], nextCursor: null, pending: 0, parked: 0 });
    await eventually(async () =>
      expect(
        (await admin().get('/admin/transfers/stuck?olderThanSeconds=0').expect(200)).body,
      ).toEqual({ items: [], nextCursor: null }),
    );
    // Only a parked command can be retried.
    const again = await admin().post(`/admin/process-commands/${parked!.id}/retry`).expect(404);
    expect(again.body).toMatchObject({ code: 'PROCESS_COMMAND_NOT_FOUND' });
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
  }, 90_000);

  it('stored by the version before command objects (its old type and fields), is sent after the upgrade', async () => {
    const accounts = accountsApi(app.baseUrl);
    const transfers = transfersApi(app.baseUrl);
    const admin = () => httpApi(app.baseUrl);
    const from = await accounts.open();
    await accounts.deposit(from, 500).expect(201);
    const to = await accounts.open();

    const block = await blockCreditsTo(database.dataSource, database.schema, to);
    let id: string;
    let credit: StoredTransferCommand | undefined;
    try {
      ({ id } = await transfers.start(from, to, 120));
      await eventually(async () => {
        credit = (await processCommandsOf(database.dataSource, id)).find(
          (command) => command.status === 'parked',
        );
        expect(credit).toMatchObject({ type: 'TransferStepCommand' });
      }, 30_000);
      // The row as the earlier version wrote it: its type for the credit, its fields, no context.
      await database.dataSource.query(
        `UPDATE es_process_commands SET type = 'CreditForTransfer', data = $2 WHERE id = $1`,
        [credit!.id, { accountId: to, transferId: id, amount: 120, currency: 'EUR' }],
      );
      // The operators see it as the credit it is, under the type it is stored under.
      const listed = (await admin().get('/admin/process-commands').expect(200))
        .body as CommandsBody;
      expect(listed.items.find((command) => command.id === credit!.id)).toMatchObject({
        type: 'CreditForTransfer',
        label: 'TransferStepCommand credit',
        status: 'parked',
      });
    } finally {
      await block.release();
    }

    await admin().post(`/admin/process-commands/${credit!.id}/retry`).expect(202);
    expect(await transfers.settled(id)).toMatchObject({ status: 'COMPLETED', reason: null });
    expect(await accounts.account(from)).toMatchObject({ balance: 380 });
    expect(await accounts.account(to)).toMatchObject({ balance: 120 });
    // Sent once, under its stored id; the transfer went on with commands of today.
    expect(await processCommandsOf(database.dataSource, id)).toEqual([
      expect.objectContaining({ label: 'TransferStepCommand debit', status: 'done' }),
      expect.objectContaining({
        id: credit!.id,
        type: 'CreditForTransfer',
        label: 'TransferStepCommand credit',
        status: 'done',
      }),
      expect.objectContaining({
        type: 'TransferStepCommand',
        label: 'TransferStepCommand settle-debit',
      }),
      expect.objectContaining({ type: 'SettleTransferCommand', status: 'done' }),
    ]);
    const [credited] = await database.dataSource.query<{ metadata: { commandId: string } }[]>(
      `SELECT metadata FROM es_events WHERE type = 'MoneyCreditedForTransfer' AND data->>'transferId' = $1`,
      [id],
    );
    expect(credited.metadata.commandId).toBe(credit!.id);
  }, 90_000);

  it('refuses malformed ids and filters', async () => {
    const admin = () => httpApi(app.baseUrl);
    expect(
      (await admin().post('/admin/process-commands/not-a-uuid/retry').expect(400)).body,
    ).toMatchObject({ code: 'INVALID_ID' });
    for (const query of ['status=done', 'status=parked,', 'limit=0', 'limit=501', 'verbose=1'])
      expect(
        (await admin().get(`/admin/process-commands?${query}`).expect(400)).body,
      ).toMatchObject({ code: 'VALIDATION_FAILED' });
    for (const query of ['due=yes', 'limit=abc'])
      expect(
        (await admin().get(`/admin/process-deadlines?${query}`).expect(400)).body,
      ).toMatchObject({ code: 'VALIDATION_FAILED' });
    for (const query of ['olderThanSeconds=-1', 'olderThanSeconds=1.5', 'limit=0'])
      expect((await admin().get(`/admin/transfers/stuck?${query}`).expect(400)).body).toMatchObject(
        { code: 'VALIDATION_FAILED' },
      );
  });
});
