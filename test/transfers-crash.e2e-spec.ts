import { httpApi } from './support/api';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { accountsApi } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';
import {
  accountLedger,
  blockCreditsTo,
  deadlinesOf,
  makeDeadlinesDue,
  processCommandsOf,
  TERMINAL_STATUSES,
  transferEventCounts,
  TransferView,
} from './support/transfers-api';
import {
  auditAccounts,
  auditTransfers,
  expectedBalances,
  stepsFor,
  totalsByCurrency,
} from './support/transfers-audit';

/** A small seeded PRNG (mulberry32): the transfer plan of a failed run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The app as a killable child process, restarted in place: `baseUrl` always names the live one. */
class Restartable {
  private app!: AppProcess;
  kills = 0;
  readonly restartMs: number[] = [];
  constructor(
    private readonly database: TestDatabase,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get baseUrl(): string {
    return this.app.baseUrl;
  }

  async start(): Promise<void> {
    const started = Date.now();
    this.app = await startAppProcess(this.database, this.env);
    this.restartMs.push(Date.now() - started);
  }

  /** kill -9, then start a fresh process on the same database. */
  async crashAndRestart(pauseMs = 0): Promise<void> {
    await this.kill();
    if (pauseMs > 0) await sleep(pauseMs);
    await this.start();
  }

  async kill(): Promise<void> {
    await this.app.kill();
    this.kills++;
  }

  async stop(): Promise<void> {
    await this.app?.stop();
  }
}

interface PlannedTransfer {
  readonly key: string;
  readonly body: { fromAccountId: string; toAccountId: string; amount: number };
}

/** How the sends of one planned transfer went. */
interface SendRecord {
  id?: string;
  /** Every id a 202 named: must be exactly one. */
  ids: Set<string>;
  attempts: number;
  /** The connection died while the request was in flight (ECONNRESET, socket hang up). */
  diedInFlight: number;
  /** When the first in-flight death was seen (Date.now()). */
  firstDeathAt?: number;
  /** Nobody listened (between a kill and the restart). */
  refused: number;
  /** 409 IDEMPOTENCY_KEY_IN_USE: the key's first execution died holding it. */
  keyInUse: number;
  /** 5xx answers (resent too). */
  serverErrors: number;
  /** Answered with Idempotent-Replayed. */
  replayed: number;
  /** Statuses other than 202 / 409 IN_USE, kept for the assertion. */
  unexpected: string[];
}

const NETWORK_REFUSED = /ECONNREFUSED/;

/**
 * Sends every planned transfer with its Idempotency-Key through `workers` loops, the i-th not
 * before i * `paceMs`, against whichever process is live; a send without a definitive answer
 * is sent again with the same key (after the restart) until a 202 comes back, within
 * `deadline`.
 */
async function sendAll(
  app: Restartable,
  plan: readonly PlannedTransfer[],
  workers: number,
  deadline: number,
  progress: { firstTried: number; answered: number },
  paceMs: number,
): Promise<Map<string, SendRecord>> {
  const started = Date.now();
  const records = new Map<string, SendRecord>();
  const resends: Promise<void>[] = [];
  // A send without a definitive answer is resent in the background, so the clients keep
  // the load going while a dead execution's key is still leased.
  const resendUntilAnswered = async (planned: PlannedTransfer, record: SendRecord) => {
    while ((await sendOnce(app, planned, record)) !== 'answered' && Date.now() < deadline);
    progress.answered++;
  };
  let next = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (next < plan.length) {
      const index = next++;
      const planned = plan[index];
      // Paced: the load spans the kills, so the process manager works between them too.
      const slot = started + index * paceMs - Date.now();
      if (slot > 0) await sleep(slot);
      const record: SendRecord = {
        ids: new Set(),
        attempts: 0,
        diedInFlight: 0,
        refused: 0,
        keyInUse: 0,
        serverErrors: 0,
        replayed: 0,
        unexpected: [],
      };
      records.set(planned.key, record);
      let outcome = await sendOnce(app, planned, record);
      // Nobody listening (between a kill and the restart): the request never arrived; wait.
      while (outcome === 'not-sent' && Date.now() < deadline)
        outcome = await sendOnce(app, planned, record);
      progress.firstTried++;
      if (outcome === 'answered') progress.answered++;
      else resends.push(resendUntilAnswered(planned, record));
    }
  });
  await Promise.all(loops);
  await Promise.all(resends);
  return records;
}

/**
 * One POST with the transfer's key: `answered` (definitive), `not-sent` (connection refused)
 * or `unknown` (it died in flight, or its key is held by an execution that died).
 */
async function sendOnce(
  app: Restartable,
  planned: PlannedTransfer,
  record: SendRecord,
): Promise<'answered' | 'not-sent' | 'unknown'> {
  record.attempts++;
  let response: request.Response;
  try {
    response = await httpApi(app.baseUrl)
      .post('/transfers')
      .set('Idempotency-Key', planned.key)
      .timeout(20_000)
      .send(planned.body);
  } catch (error) {
    await sleep(100);
    if (NETWORK_REFUSED.test(String(error))) {
      record.refused++;
      return 'not-sent';
    }
    record.diedInFlight++;
    record.firstDeathAt ??= Date.now();
    return 'unknown';
  }
  const code = (response.body as { code?: string }).code;
  if (response.status === 202) {
    const id = (response.body as { id: string }).id;
    record.ids.add(id);
    record.id = id;
    if (response.headers['idempotent-replayed'] === 'true') record.replayed++;
    return 'answered';
  }
  if (response.status === 409 && code === 'IDEMPOTENCY_KEY_IN_USE') {
    record.keyInUse++;
    await sleep(500);
    return 'unknown';
  }
  if (response.status >= 500) {
    record.serverErrors++;
    await sleep(200);
    return 'unknown';
  }
  record.unexpected.push(`${response.status} ${code ?? ''}`);
  return 'answered';
}

/** Polls GET /transfers/{id} until all are terminal or `timeoutMs` passes; the last views. */
async function settleAll(
  app: Restartable,
  ids: readonly string[],
  timeoutMs: number,
): Promise<Map<string, TransferView>> {
  const views = new Map<string, TransferView>();
  const deadline = Date.now() + timeoutMs;
  let open = [...ids];
  while (open.length > 0 && Date.now() < deadline) {
    const batch = open.slice(0, 100);
    const answers = await Promise.all(
      batch.map(async (id) => {
        try {
          const response = await httpApi(app.baseUrl).get(`/transfers/${id}`).timeout(10_000);
          return response.status === 200 ? (response.body as TransferView) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    for (const view of answers) if (view) views.set(view.id, view);
    open = open.filter((id) => !TERMINAL_STATUSES.has(views.get(id)?.status ?? 'PENDING'));
    if (open.length > 0) await sleep(250);
  }
  return views;
}

const countBy = (values: string[]): Record<string, number> =>
  values.reduce<Record<string, number>>(
    (counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }),
    {},
  );

/**
 * Widens the window in which a kill loses an answer whose transfer is already committed: the
 * Idempotency-Key's completion (written after the command's transaction, before the response)
 * takes `ms` longer. A real delay in PostgreSQL, not a mock.
 */
async function slowKeyCompletion(database: TestDatabase, ms: number): Promise<void> {
  const { schema } = database;
  await database.dataSource.query(
    `CREATE FUNCTION ${schema}.transfers_slow_key_completion() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM pg_sleep(${ms / 1000});
       RETURN NEW;
     END $$`,
  );
  await database.dataSource.query(
    `CREATE TRIGGER transfers_slow_key_completion BEFORE UPDATE ON ${schema}.http_idempotency_keys
     FOR EACH ROW WHEN (OLD.state = 'in_flight' AND NEW.state = 'completed')
     EXECUTE FUNCTION ${schema}.transfers_slow_key_completion()`,
  );
}

const CRASH_ENV = { PROCESS_COMMAND_LEASE_MS: '2000', TRANSFER_CREDIT_TIMEOUT_MS: '60000' };

describeOnServer('transfers survive kill -9', () => {
  let database: TestDatabase;
  let app: Restartable | undefined;

  beforeEach(async () => {
    database = await openTestDatabase('transfers_crash');
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await database.close();
  });

  it('hundreds of random transfers, kill -9 four times: all terminal, money conserved, nothing moved twice', async () => {
    const started = Date.now();
    app = new Restartable(database, CRASH_ENV);
    await app.start();
    const live = app;
    const accounts = accountsApi(() => live.baseUrl);

    // 20 accounts: well funded, low (so some transfers fail), one closed (compensated), one in
    // USD (currency mismatch both ways: compensated in, compensated out).
    const funding = [
      1_500, 1_200, 1_000, 900, 800, 800, 700, 600, 500, 400, 300, 250, 100, 50, 20, 10, 5, 0, 0,
    ];
    const eur = await Promise.all(funding.map(() => accounts.open('EUR')));
    await Promise.all(
      eur.map(async (id, i) => {
        if (funding[i] > 0) await accounts.deposit(id, funding[i]).expect(201);
      }),
    );
    const closed = eur[eur.length - 1];
    await accounts.http().post(`/accounts/${closed}/close`).expect(200);
    const usd = await accounts.open('USD');
    await accounts.deposit(usd, 2_000).expect(201);
    const all = [...eur, usd];
    expect(all).toHaveLength(20);

    const seed = Date.now() % 1_000_000;
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const plan: PlannedTransfer[] = Array.from({ length: 300 }, () => {
      const fromAccountId = pick(all);
      let toAccountId = pick(all);
      while (toAccountId === fromAccountId) toAccountId = pick(all);
      return {
        key: `crash-${randomUUID()}`,
        body: { fromAccountId, toAccountId, amount: 1 + Math.floor(random() * 250) },
      };
    });

    console.info(`[transfers crash test] plan seed ${seed}`);
    await slowKeyCompletion(database, 150);

    // Four kills at random moments: three while the POSTs are coming in, the fourth once every
    // transfer has had its first answer, while the process manager still works through them.
    const progress = { firstTried: 0, answered: 0 };
    const loadStarted = Date.now();
    const sending = sendAll(app, plan, 12, loadStarted + 90_000, progress, 25);
    let sendingDone = false;
    void sending.finally(() => {
      sendingDone = true;
    });
    const kills: {
      ms: number;
      answered: number;
      at: number;
      /** What was in flight in the book when the process died. */
      pendingCommands: number;
      openTransfers: number;
      /** Initiated, but not yet seen by the process manager. */
      unseen: number;
      lastPosition: bigint;
    }[] = [];
    const crash = async (): Promise<void> => {
      const at = Date.now();
      await live.kill();
      const [row] = await database.dataSource.query<
        {
          pending_commands: number;
          open_transfers: number;
          unseen: number;
          last_position: string;
        }[]
      >(
        `SELECT (SELECT count(*)::int FROM es_process_commands WHERE status = 'pending') AS pending_commands,
                (SELECT count(*) FILTER (WHERE type = 'TransferInitiated')
                      - count(*) FILTER (WHERE type IN ('TransferCompleted', 'TransferFailed',
                                                        'TransferCompensated'))
                   FROM es_events)::int AS open_transfers,
                (SELECT count(*)::int FROM es_events e
                  WHERE e.type = 'TransferInitiated'
                    AND NOT EXISTS (SELECT 1 FROM es_process_state s
                                     WHERE s.process_id = e.data->>'transferId')) AS unseen,
                (SELECT COALESCE(max(global_position), 0)::text FROM es_events) AS last_position`,
      );
      kills.push({
        ms: at - loadStarted,
        answered: progress.answered,
        at,
        pendingCommands: row.pending_commands,
        openTransfers: row.open_transfers,
        unseen: row.unseen,
        lastPosition: BigInt(row.last_position),
      });
      await sleep(random() * 300);
      await live.start();
    };
    for (const fraction of [0.15, 0.4, 0.65, 1]) {
      const target = Math.floor(plan.length * Math.min(1, fraction + random() * 0.1));
      for (let i = 0; i < 6_000 && progress.firstTried < target && !sendingDone; i++)
        await sleep(10);
      await sleep(random() * 150);
      await crash();
    }
    const records = await sending;
    const sentMs = Date.now() - loadStarted;
    expect(live.kills).toBe(4);

    // Every planned transfer was answered 202, with one id, however often it was resent.
    const sent = [...records.values()];
    expect(sent).toHaveLength(plan.length);
    expect(sent.flatMap((r) => r.unexpected)).toEqual([]);
    expect(sent.filter((r) => r.ids.size !== 1)).toEqual([]);
    const ids = sent.map((r) => r.id!);
    expect(new Set(ids).size).toBe(plan.length);

    // After the last restart, every key sent once more: each replays its first answer.
    const again = await Promise.all(
      plan.map((planned) =>
        httpApi(live.baseUrl)
          .post('/transfers')
          .set('Idempotency-Key', planned.key)
          .timeout(20_000)
          .send(planned.body),
      ),
    );
    expect(
      countBy(again.map((r) => `${r.status}:${String(r.headers['idempotent-replayed'])}`)),
    ).toEqual({ '202:true': plan.length });
    expect(again.map((r) => (r.body as { id: string }).id)).toEqual(ids);

    const settleStarted = Date.now();
    const views = await settleAll(app, ids, 90_000);
    const settleMs = Date.now() - settleStarted;
    const pending = ids.filter((id) => !TERMINAL_STATUSES.has(views.get(id)?.status ?? 'PENDING'));
    expect(pending).toEqual([]);
    // A completed transfer's last commands (settling the source's debit) may still be in flight.
    await eventually(async () => {
      const [row] = await database.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM es_process_commands WHERE status = 'pending'`,
      );
      expect(row.n).toBe(0);
    }, 30_000);

    // --- The book of record, audited by SQL ---
    const accountAudit = await auditAccounts(database.dataSource);
    const transferAudit = await auditTransfers(database.dataSource);
    expect(accountAudit).toHaveLength(20);

    // Created once: one TransferInitiated per Idempotency-Key, each the id its key was answered.
    expect(transferAudit.map((t) => t.transferId).sort()).toEqual([...ids].sort());
    expect(transferAudit.filter((t) => t.initiated !== 1 || t.commandIds !== 1)).toEqual([]);

    // Each step at most once per transfer, and exactly the steps its outcome implies.
    for (const t of transferAudit) {
      expect({ id: t.transferId, ended: t.ended, outcome: t.outcome }).toEqual({
        id: t.transferId,
        ended: 1,
        outcome: views.get(t.transferId)!.status,
      });
      expect({
        id: t.transferId,
        debited: t.debited,
        credited: t.credited,
        cancelled: t.cancelled,
        refunded: t.refunded,
        settled: t.settled,
      }).toEqual({ id: t.transferId, ...stepsFor(t.outcome) });
    }

    // Money is conserved per currency; nobody ever went below zero; each balance is its
    // deposits plus the effects of its completed transfers only.
    expect(totalsByCurrency(accountAudit, 'balance')).toEqual(
      totalsByCurrency(accountAudit, 'deposited'),
    );
    expect(accountAudit.filter((a) => a.lowest < 0)).toEqual([]);
    const expected = expectedBalances(accountAudit, transferAudit);
    for (const a of accountAudit) {
      expect({ account: a.accountId, balance: a.balance }).toEqual({
        account: a.accountId,
        balance: expected.get(a.accountId),
      });
    }
    // And the API says the same as the book.
    for (const id of all) {
      const view = await accounts.account(id);
      expect({ id, balance: view.balance }).toEqual({
        id,
        balance: accountAudit.find((a) => a.accountId === id)!.balance,
      });
    }

    // The process manager has nothing left to send, and the read model caught up.
    const [left] = await database.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM es_process_commands WHERE status = 'pending'`,
    );
    expect(left.n).toBe(0);
    await eventually(async () => {
      const [stale] = await database.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM transfer_summaries
          WHERE status NOT IN ('COMPLETED', 'FAILED', 'COMPENSATED')`,
      );
      expect(stale.n).toBe(0);
    }, 30_000);

    const outcomes = countBy(
      transferAudit.map((t) => `${t.outcome}:${views.get(t.transferId)!.reason ?? ''}`),
    );
    expect(outcomes['COMPLETED:']).toBeGreaterThan(0);
    expect(outcomes['FAILED:INSUFFICIENT_FUNDS']).toBeGreaterThan(0);
    expect(
      (outcomes['COMPENSATED:ACCOUNT_CLOSED'] ?? 0) +
        (outcomes['COMPENSATED:CURRENCY_MISMATCH'] ?? 0),
    ).toBeGreaterThan(0);

    // Resends whose first attempt had committed before the crash (its answer was lost).
    const initiatedAt = new Map(
      (
        await database.dataSource.query<{ transfer_id: string; position: string }[]>(
          `SELECT data->>'transferId' AS transfer_id, global_position::text AS position
             FROM es_events WHERE type = 'TransferInitiated'`,
        )
      ).map((row) => [row.transfer_id, BigInt(row.position)]),
    );
    const died = sent.filter((r) => r.firstDeathAt !== undefined);
    const committedBeforeCrash = died.filter((r) => {
      const kill = [...kills].reverse().find((k) => k.at <= r.firstDeathAt!);
      return kill !== undefined && initiatedAt.get(r.id!)! <= kill.lastPosition;
    });
    console.info(
      `[transfers crash test] seed ${seed}: ${plan.length} transfers from 12 clients, ` +
        `${live.kills} kills at ${kills
          .map(
            (k) =>
              `${k.ms} ms (${k.answered} answered; ${k.openTransfers} transfers open, ` +
              `${k.unseen} not yet seen by the process, ${k.pendingCommands} commands pending)`,
          )
          .join(', ')}; restarts took ${live.restartMs.slice(1).join('/')} ms; ` +
        `sends done after ${sentMs} ms, all terminal ${settleMs} ms later; ` +
        `whole test ${Date.now() - started} ms.\n` +
        `  resent with the same key: ${sent.filter((r) => r.attempts > 1).length} ` +
        `(died in flight ${died.length}, of which committed before the crash ` +
        `${committedBeforeCrash.length}; refused while down ${sent.filter((r) => r.refused > 0).length}; ` +
        `409 key in use ${sent.filter((r) => r.keyInUse > 0).length}; 5xx ` +
        `${sent.filter((r) => r.serverErrors > 0).length}; replayed ` +
        `${sent.filter((r) => r.replayed > 0).length}).\n  outcomes ${JSON.stringify(outcomes)}`,
    );
    // The lost-answer path really ran: some transfers committed, their answers died with the
    // process, and their resends (above) still made exactly one transfer each.
    expect(committedBeforeCrash.length).toBeGreaterThan(0);
  }, 180_000);

  it('a credit deadline set before a kill -9 fires after the restart, exactly once', async () => {
    // CRASH_ENV's 60 s deadline: it must still be pending when the process is killed, however
    // slow the machine; the test brings it forward while the process is down.
    app = new Restartable(database, CRASH_ENV);
    await app.start();
    const live = app;
    const accounts = accountsApi(() => live.baseUrl);
    const from = await accounts.open();
    await accounts.deposit(from, 500).expect(201);
    const to = await accounts.open();
    const block = await blockCreditsTo(database.dataSource, database.schema, to);

    const accepted = await httpApi(app.baseUrl)
      .post('/transfers')
      .send({ fromAccountId: from, toAccountId: to, amount: 200 })
      .expect(202);
    const { id } = accepted.body as { id: string };

    // Right after the debit: the process has scheduled its credit deadline. Kill it there.
    let scheduled: Awaited<ReturnType<typeof deadlinesOf>> = [];
    for (const until = Date.now() + 30_000; scheduled.length === 0 && Date.now() < until;) {
      scheduled = await deadlinesOf(database.dataSource, id);
      if (scheduled.length === 0) await sleep(5);
    }
    await app.kill();
    const [{ now: killedAt }] =
      await database.dataSource.query<{ now: Date }[]>('SELECT now() AS now');
    expect(scheduled).toEqual([expect.objectContaining({ key: 'credit', status: 'pending' })]);
    // Not due yet when the process died, and nothing fired it while it was down.
    expect(scheduled[0].due_at.getTime()).toBeGreaterThan(killedAt.getTime());
    expect((await accountLedger(database.dataSource, from)).types).toContain(
      'MoneyDebitedForTransfer',
    );
    await sleep(1_000);
    expect(await deadlinesOf(database.dataSource, id)).toEqual([
      expect.objectContaining({ status: 'pending', fired_at: null }),
    ]);

    // Due while nobody runs: the restarted process must find and fire it.
    await makeDeadlinesDue(database.dataSource, id);
    const [{ now: restartedAt }] =
      await database.dataSource.query<{ now: Date }[]>('SELECT now() AS now');
    await app.start();
    let view: TransferView | undefined;
    await eventually(async () => {
      view = (await httpApi(live.baseUrl).get(`/transfers/${id}`).expect(200)).body as TransferView;
      expect(TERMINAL_STATUSES.has(view.status)).toBe(true);
    }, 30_000);
    expect(view).toMatchObject({ status: 'COMPENSATED', reason: 'CREDIT_DEADLINE_PASSED' });
    const [deadline] = await deadlinesOf(database.dataSource, id);
    expect(deadline).toMatchObject({ key: 'credit', status: 'fired' });
    expect(deadline.fired_at!.getTime()).toBeGreaterThanOrEqual(restartedAt.getTime());

    // Once more, after another crash: the fired deadline stays fired, nothing is repeated.
    await block.release();
    await app.crashAndRestart();
    await sleep(2_500);
    const once = {
      TransferInitiated: 1,
      MoneyDebitedForTransfer: 1,
      TransferCreditCancelled: 1,
      TransferDebitRefunded: 1,
      TransferCompensated: 1,
    };
    expect(await transferEventCounts(database.dataSource, id)).toEqual(once);
    const commands = await processCommandsOf(database.dataSource, id);
    expect(countBy(commands.map((c) => c.label))).toEqual({
      'TransferStepCommand debit': 1,
      'TransferStepCommand credit': 1,
      'TransferStepCommand cancel-credit': 1,
      'TransferStepCommand refund': 1,
      SettleTransferCommand: 1,
    });
    expect(await deadlinesOf(database.dataSource, id)).toEqual([
      expect.objectContaining({ status: 'fired', fired_at: deadline.fired_at }),
    ]);
    expect(await accounts.account(from)).toMatchObject({ balance: 500 });
    expect(await accounts.account(to)).toMatchObject({ balance: 0 });
  }, 90_000);
});
