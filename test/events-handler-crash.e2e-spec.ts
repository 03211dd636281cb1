import { setTimeout as sleep } from 'node:timers/promises';
import { httpApi } from './support/api';
import { accountsApi } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

const HANDLER = 'events-handler:LargeTransactionsHandler';
const SAGA = 'saga:AtmDepositLimitSaga.reverseOversizedAtmDeposits';
const THRESHOLD = 300;
const ATM_LIMIT = 450;
const ACCOUNTS = 8;
const WORKERS = 12;
const BACKLOG_REQUESTS = 1_200;

/** A place in the log, in reading order (transaction id, then global position). */
interface LogPosition {
  transactionId: string;
  position: string;
}

interface ProjectionRow {
  name: string;
  position: string;
  headPosition: string;
  status: string;
  lag: { events: number };
}

/**
 * An `@EventsHandler` and a `@Saga()` written as the @nestjs/cqrs documentation shows (the
 * compliance context's LargeTransactionsHandler, which writes a report row per large movement
 * through its checkpoint's transaction, and AtmDepositLimitSaga, which reverses oversized ATM
 * deposits with a compensating withdrawal) act on every committed event exactly once in
 * effect, across kill -9 in the middle of their catch-up and under load, and show in
 * GET /admin/projections.
 */
describeOnServer('a durable @EventsHandler and @Saga across kill -9', () => {
  let database: TestDatabase;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('events_handler_crash');
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await database.close();
  });

  async function start(env: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
    const app = await startAppProcess(database, {
      LARGE_TRANSACTION_THRESHOLD: String(THRESHOLD),
      ATM_DEPOSIT_LIMIT: String(ATM_LIMIT),
      ...env,
    });
    apps.push(app);
    return app;
  }

  const projectionRow = async (
    baseUrl: string,
    name: string,
  ): Promise<ProjectionRow | undefined> => {
    const response = await httpApi(baseUrl).get('/admin/projections').expect(200);
    const body = response.body as { items?: ProjectionRow[] } | ProjectionRow[];
    const rows = Array.isArray(body) ? body : (body.items ?? []);
    return rows.find((row) => row.name === name);
  };

  /** The log's last committed event, in the order its subscribers read it. */
  const logEnd = async (): Promise<LogPosition> => {
    const [end] = await database.dataSource.query<LogPosition[]>(
      `SELECT transaction_id::text AS "transactionId", global_position::text AS position
         FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    return end;
  };

  /**
   * Waits until checkpoint `name` is at or past `end`: its subscriber has acted on every event
   * up to it, including any a transaction older than `end` committed since (the runner reads
   * past a position only once every transaction before it has ended).
   */
  const reached = (name: string, end: LogPosition) =>
    eventually(async () => {
      const [{ passed }] = await database.dataSource.query<{ passed: boolean }[]>(
        `SELECT EXISTS (SELECT 1 FROM es_projections WHERE name = $1
            AND (transaction_id, global_position) >= ($2::xid8, $3::bigint)) AS passed`,
        [name, end.transactionId, end.position],
      );
      expect(passed).toBe(true);
    }, 60_000);

  /** Deposits and withdrawals of 1..600 from WORKERS clients until `stop` says so. */
  function load(baseUrl: () => string, accounts: readonly string[], stop: () => boolean) {
    let sent = 0;
    const worker = async (index: number) => {
      while (!stop()) {
        const account = accounts[(sent + index) % accounts.length];
        const amount = 1 + ((sent * 7919 + index) % 600);
        const kind = sent++ % 3;
        const route = kind === 0 ? 'withdrawals' : 'deposits';
        // A request cut off by a kill, or refused, changes nothing this test counts: the
        // checks below compare what was acted on with whatever the log holds.
        await httpApi(baseUrl())
          .post(`/accounts/${account}/${route}`)
          .send(kind === 2 ? { amount, channel: 'atm' } : { amount })
          .ok(() => true)
          .catch(() => sleep(50));
      }
    };
    return Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));
  }

  it('reports each large movement and reverses each oversized ATM deposit exactly once after crashes mid catch-up', async () => {
    // The backlog: events written while no projection runs.
    const writer = await start({ PROJECTIONS: 'off' });
    const api = accountsApi(writer.baseUrl);
    const accounts: string[] = [];
    for (let n = 0; n < ACCOUNTS; n++) {
      const account = await api.open();
      await api.deposit(account, 1_000_000).expect(201);
      accounts.push(account);
    }
    // A number of requests, not a time: the volume checked below must not depend on the
    // machine's speed.
    let backlog = 0;
    await load(
      () => writer.baseUrl,
      accounts,
      () => backlog++ >= BACKLOG_REQUESTS,
    );
    await writer.stop();

    // Two processes killed while the handler catches up on that backlog, under more load.
    let current = await start();
    let loading = true;
    const live = load(
      () => current.baseUrl,
      accounts,
      () => !loading,
    );
    for (let kill = 0; kill < 2; kill++) {
      // Killed while both are part-way through the backlog.
      await eventually(async () => {
        for (const name of [HANDLER, SAGA]) {
          const row = await projectionRow(current.baseUrl, name);
          expect(row?.status).not.toBe('parked');
          expect(BigInt(row?.position ?? '0')).toBeGreaterThan(0n);
          expect(row?.lag.events ?? 0).toBeGreaterThan(0);
        }
      });
      await current.kill();
      current = await start();
    }
    await sleep(1_000);
    loading = false;
    await live;

    // In causal order, each against the log's last committed event: the saga has acted on
    // every event written so far (so it stores no more commands: the withdrawals it sends are
    // not ATM deposits), then its commands are done (the withdrawals they commit are events
    // too), then the handler has acted on every event up to the last of those. Not "lag 0" in
    // GET /admin/projections: lag counts up to the gap-safe head, which any open transaction in
    // the cluster (another test file's) holds back, so it reads 0 while commits made after that
    // transaction began are still unread.
    await reached(SAGA, await logEnd());
    await eventually(async () => {
      const [{ open }] = await database.dataSource.query<{ open: number }[]>(
        `SELECT count(*)::int AS open FROM es_process_commands
          WHERE manager = $1 AND status <> 'done'`,
        [SAGA],
      );
      expect(open).toBe(0);
    }, 60_000);
    await reached(HANDLER, await logEnd());
    for (const name of [SAGA, HANDLER])
      await eventually(() =>
        expect(projectionRow(current.baseUrl, name)).resolves.toMatchObject({
          status: 'running',
          lag: { events: 0 },
        }),
      );
    const expected = await database.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM es_events
        WHERE type IN ('MoneyDeposited', 'MoneyWithdrawn') AND (data->>'amount')::bigint >= $1
        ORDER BY global_position`,
      [THRESHOLD],
    );
    const reported = await database.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM compliance_large_transactions ORDER BY global_position`,
    );
    // About half the backlog's requests are of 300 or more.
    expect(expected.length).toBeGreaterThan(400);
    // The table's key refuses a second row per event: a repeat would have parked the handler.
    expect(reported.map((row) => row.event_id)).toEqual(expected.map((row) => row.event_id));

    // The report reads back page by page in commit order.
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await httpApi(current.baseUrl)
        .get('/compliance/large-transactions')
        .query({ limit: 200, ...(cursor === null ? {} : { cursor }) })
        .expect(200);
      const page = response.body as { items: { eventId: string }[]; nextCursor: string | null };
      pages.push(...page.items.map((item) => item.eventId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages).toEqual(expected.map((row) => row.event_id));

    // Each oversized ATM deposit was reversed once: one withdrawal per deposit, by reference.
    const oversized = await database.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM es_events
        WHERE type = 'MoneyDeposited' AND data->>'channel' = 'atm'
          AND (data->>'amount')::bigint > $1`,
      [ATM_LIMIT],
    );
    const reversals = await database.dataSource.query<{ reference: string; copies: number }[]>(
      `SELECT data->>'reference' AS reference, count(*)::int AS copies FROM es_events
        WHERE type = 'MoneyWithdrawn' AND data->>'reference' LIKE 'ATM deposit reversal %'
        GROUP BY 1`,
    );
    // A third of the requests are ATM deposits, a quarter of those above the limit.
    expect(oversized.length).toBeGreaterThan(60);
    expect(reversals.every((row) => row.copies === 1)).toBe(true);
    expect(reversals.map((row) => row.reference).sort()).toEqual(
      oversized.map((row) => `ATM deposit reversal ${row.event_id}`).sort(),
    );
  }, 240_000);
});
