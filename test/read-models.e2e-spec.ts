import { httpApi } from './support/api';
import { randomUUID } from 'node:crypto';
import { accountsApi, registerCustomer, uniqueDocumentNumber } from './support/accounts-api';
import { eventually } from './support/eventually';
import { expectedAccountReadModels, liveAccountReadModels } from './support/readside-expected-rows';
import { seedAccountBacklog } from './support/seed-backlog';
import { logSettled } from './support/settled-log';
import { startTestApp, TestApp, useTestApp } from './support/test-app';
import {
  describeOnServer,
  openSession,
  openTestDatabase,
  TestDatabase,
} from './support/test-database';

const context = useTestApp('read_models');
const api = accountsApi(() => context.app.baseUrl);

interface ProjectionRow {
  name: string;
  position: string;
  headPosition: string;
  lag: { events: number; ms: number };
  status: string;
  lastError: string | null;
}

const projections = async (): Promise<ProjectionRow[]> =>
  ((await api.http().get('/admin/projections').expect(200)).body as { items: ProjectionRow[] })
    .items;
const projection = async (name: string): Promise<ProjectionRow> => {
  const row = (await projections()).find((p) => p.name === name);
  if (!row) throw new Error(`GET /admin/projections has no ${name}`);
  return row;
};
const customer = (): Promise<string> => registerCustomer(api.http);

async function openFor(
  customerId: string,
  currency = 'EUR',
): Promise<{ id: string; position: string }> {
  const response = await api.http().post('/accounts').send({ customerId, currency }).expect(201);
  return response.body as { id: string; position: string };
}

describe('read-your-writes with X-Min-Position', () => {
  it('a list read sent with the position of a write includes that write', async () => {
    const customerId = await customer();
    const { id } = await openFor(customerId);
    const deposit = await api.deposit(id, 4_321).expect(201);
    const { position } = deposit.body as { position: string };

    const response = await api
      .http()
      .get('/accounts')
      .query({ customerId })
      .set('X-Min-Position', position)
      .expect(200);
    expect(response.body).toEqual({
      items: [
        expect.objectContaining({ id, customerId, balance: 4_321, status: 'OPEN', version: 2 }),
      ],
      nextCursor: null,
    });
  });

  it('a position beyond the head of the log is 400 MIN_POSITION_AHEAD_OF_LOG at once, not a wait and a 503', async () => {
    const started = Date.now();
    const response = await api
      .http()
      .get('/accounts')
      .set('X-Min-Position', '999999999999')
      .expect(400);
    expect(response.body).toMatchObject({ code: 'MIN_POSITION_AHEAD_OF_LOG' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each(['0', '-1', 'abc', '1e3', '99999999999999999999'])(
    'X-Min-Position %p is 400 INVALID_MIN_POSITION',
    async (value) => {
      const response = await api.http().get('/accounts').set('X-Min-Position', value).expect(400);
      expect(response.body).toMatchObject({ code: 'INVALID_MIN_POSITION' });
    },
  );
});

describe('read-your-writes for an event the projection ignores', () => {
  // No runner here: only the position rules of X-Min-Position decide, never a runner's timing.
  let database: TestDatabase;
  let app: TestApp;
  beforeAll(async () => {
    database = await openTestDatabase('read_models_ignored');
    app = await startTestApp(database, { PROJECTIONS: 'off', READ_YOUR_WRITES_TIMEOUT_MS: '100' });
    await database.dataSource.query(
      `INSERT INTO es_projections (name) VALUES ('account-summaries') ON CONFLICT DO NOTHING`,
    );
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });
  const register = async (): Promise<{ id: string; position: string }> =>
    (
      await httpApi(app.baseUrl)
        .post('/customers')
        .send({
          name: 'Ignored',
          email: 'ignored@example.com',
          documentNumber: uniqueDocumentNumber(),
        })
        .expect(201)
    ).body as { id: string; position: string };
  const accountsAt = (position: string) =>
    httpApi(app.baseUrl).get('/accounts').set('X-Min-Position', position);

  // First: it needs a log with no account event yet.
  describeOnServer('while an older transaction is still open', () => {
    it('an ignored event does not count as processed until every transaction before it has ended', async () => {
      const older = await openSession(database);
      try {
        await older.query('BEGIN');
        await older.query('SELECT pg_current_xact_id()'); // it holds a transaction id now
        const registered = await register();
        // Committed, but the open transaction could still commit an account event before it.
        const behind = await accountsAt(registered.position).expect(503);
        expect(behind.body).toMatchObject({ code: 'READ_MODEL_BEHIND' });
        await older.query('ROLLBACK');
        await logSettled(database.dataSource);
        await accountsAt(registered.position).expect(200);
      } finally {
        await older.end();
      }
    });
  });

  it('answers at once when nothing the projection reads lies before the position, and waits when something does', async () => {
    // A customer registration is not an account event: account-summaries, still at 0, has
    // nothing to apply up to it, so its rows already include that write (a runner holding its
    // checkpoint over such events used to make this wait up to 250 ms).
    const first = await register();
    await logSettled(database.dataSource);
    expect((await accountsAt(first.position).expect(200)).body).toEqual({
      items: [],
      nextCursor: null,
    });

    // An account opened and not yet applied lies before the next registration: both wait.
    const opened = (
      await httpApi(app.baseUrl)
        .post('/accounts')
        .send({ customerId: first.id, currency: 'EUR' })
        .expect(201)
    ).body as { position: string };
    const second = await register();
    await logSettled(database.dataSource);
    for (const position of [opened.position, second.position]) {
      const behind = await accountsAt(position).expect(503);
      expect(behind.body).toMatchObject({ code: 'READ_MODEL_BEHIND' });
    }
    // Once the checkpoint passes the account event (as the runner would move it), the later
    // registration is included too: only that event was waited for.
    await database.dataSource.query(
      `UPDATE es_projections p SET transaction_id = e.transaction_id, global_position = e.global_position
         FROM es_events e WHERE p.name = 'account-summaries' AND e.global_position = $1`,
      [opened.position],
    );
    await accountsAt(second.position).expect(200);
  });
});

describe('GET /accounts (account-summaries read model)', () => {
  it('filters by customer and status and pages with a keyset cursor', async () => {
    const customerId = await customer();
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push(await openFor(customerId));
    const closing = opened[0].id;
    const closed = await api.http().post(`/accounts/${closing}/close`).expect(200);
    const position = (closed.body as { position: string }).position;

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = {
        customerId,
        limit: '2',
        ...(cursor ? { cursor } : {}),
      };
      const page = (
        await api.http().get('/accounts').query(query).set('X-Min-Position', position).expect(200)
      ).body as {
        items: { id: string }[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    // In the order they were opened, not the order of their (random) ids.
    expect(ids).toEqual(opened.map((o) => o.id));

    const closedOnly = await api
      .http()
      .get('/accounts')
      .query({ customerId, status: 'CLOSED' })
      .expect(200);
    expect((closedOnly.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([
      closing,
    ]);
  });

  it('rejects a forged cursor and bad filters with 400', async () => {
    expect(
      (await api.http().get('/accounts').query({ cursor: 'bm90LWEtdXVpZA' }).expect(400)).body,
    ).toMatchObject({
      code: 'INVALID_CURSOR',
    });
    await api.http().get('/accounts').query({ status: 'FROZEN' }).expect(400);
    await api.http().get('/accounts').query({ limit: '1000' }).expect(400);
  });
});

describe('GET /reports/daily-totals', () => {
  it('sums deposits and withdrawals per day and currency', async () => {
    const { id } = await openFor(await customer(), 'CHF');
    await api.deposit(id, 1_000).expect(201);
    await api.deposit(id, 500).expect(201);
    const last = await api.withdraw(id, 300).expect(201);
    const today = new Date().toISOString().slice(0, 10);

    const response = await api
      .http()
      .get('/reports/daily-totals')
      .query({ from: today, to: today })
      .set('X-Min-Position', (last.body as { position: string }).position)
      .expect(200);
    expect((response.body as { items: unknown[] }).items).toContainEqual({
      day: today,
      currency: 'CHF',
      deposits: { amount: '1500', count: 2 },
      withdrawals: { amount: '300', count: 1 },
    });
  });

  it('pages by day, then currency, with an opaque cursor', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const currencies = ['AUD', 'CAD', 'SEK'];
    let position = '0';
    for (const currency of currencies) {
      const { id } = await openFor(await customer(), currency);
      position = ((await api.deposit(id, 10).expect(201)).body as { position: string }).position;
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await api
          .http()
          .get('/reports/daily-totals')
          .query({ from: today, to: today, limit: 1, ...(cursor ? { cursor } : {}) })
          .set('X-Min-Position', position)
          .expect(200)
      ).body as { items: { currency: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((item) => item.currency));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(currencies));
  });

  it('refuses a reversed or too long range', async () => {
    await api
      .http()
      .get('/reports/daily-totals')
      .query({ from: '2026-02-01', to: '2026-01-01' })
      .expect(400);
    await api
      .http()
      .get('/reports/daily-totals')
      .query({ from: '2020-01-01', to: '2026-01-01' })
      .expect(400);
    await api
      .http()
      .get('/reports/daily-totals')
      .query({ from: 'yesterday', to: '2026-01-01' })
      .expect(400);
  });
});

describe('GET /admin/projections', () => {
  it('shows every projection with lag 0 and status running when idle', async () => {
    await eventually(async () => {
      const rows = await projections();
      expect(rows.map((row) => row.name)).toEqual(
        expect.arrayContaining(['account-summaries', 'daily-totals']),
      );
      for (const row of rows) {
        expect(row).toMatchObject({
          lag: { events: 0, ms: 0 },
          status: 'running',
          lastError: null,
        });
        expect(row.position).toBe(row.headPosition);
      }
    });
  });

  it('is 404 PROJECTION_NOT_FOUND for an unknown projection', async () => {
    await api.http().post('/admin/projections/nope/rebuild').expect(404);
    await api.http().post('/admin/projections/nope/retry').expect(404);
    const missing = await api.http().get('/admin/projections/nope').expect(404);
    expect(missing.body).toMatchObject({ code: 'PROJECTION_NOT_FOUND' });
  });

  it('lists the projections as {items, nextCursor}, each also at its own address', async () => {
    const list = (await api.http().get('/admin/projections').expect(200)).body as {
      items: ProjectionRow[];
      nextCursor: null;
    };
    expect(list.nextCursor).toBeNull();
    const one = await api.http().get('/admin/projections/daily-totals').expect(200);
    expect(one.body).toMatchObject({ name: 'daily-totals', rebuild: null });
  });
});

describe('POST /admin/projections/{name}/rebuild', () => {
  it('rebuilds while writes continue: reads keep answering, and afterwards rows equal the log', async () => {
    const customerId = await customer();
    const accounts = [];
    for (let i = 0; i < 4; i++) accounts.push((await openFor(customerId)).id);
    for (const account of accounts) await api.deposit(account, 1_000).expect(201);

    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        const account = accounts[n % accounts.length];
        // Deposits and withdrawals both, so every column of both read models moves.
        if (n % 3 === 2) await api.withdraw(account, 1).expect(201);
        else await api.deposit(account, 2).expect(201);
        n++;
      }
      return n;
    })();
    // Both projections at once: the guard is per projection.
    await api.http().post('/admin/projections/account-summaries/rebuild').expect(202);
    await api.http().post('/admin/projections/daily-totals/rebuild').expect(202);
    // While it rebuilds, the live read model keeps answering.
    await api.http().get('/accounts').query({ customerId }).expect(200);
    await eventually(async () => {
      for (const name of ['account-summaries', 'daily-totals'])
        expect((await projection(name)).status).not.toBe('rebuilding');
    }, 30_000);
    writing = false;
    const writes = await writer;
    expect(writes).toBeGreaterThan(0);

    // Both read models have passed the last write: then nothing is in flight any more.
    const last = await api.deposit(accounts[0], 1).expect(201);
    const position = (last.body as { position: string }).position;
    await api.http().get('/accounts').set('X-Min-Position', position).expect(200);
    const today = new Date().toISOString().slice(0, 10);
    await api
      .http()
      .get('/reports/daily-totals')
      .query({ from: today, to: today })
      .set('X-Min-Position', position)
      .expect(200);

    // The reference is the book of record itself, by SQL: not another run of the projections.
    const { dataSource } = context.database;
    const expected = await expectedAccountReadModels(dataSource);
    expect(await liveAccountReadModels(dataSource)).toEqual(expected);
    expect(expected.accountSummaries.length).toBeGreaterThanOrEqual(accounts.length);
    for (const name of ['account-summaries', 'daily-totals'])
      expect(await projection(name)).toMatchObject({ status: 'running', lastError: null });
  }, 60_000);

  it('during a rebuild, reads answer from the complete old tables, never from the half-built ones', async () => {
    const customerId = randomUUID();
    // 400 accounts x 50 events, straight into the log: enough to keep a rebuild busy a while.
    await seedAccountBacklog(context.database.dataSource, {
      customerId,
      accounts: 400,
      eventsPerAccount: 50,
      amount: 1,
    });
    const complete = async (): Promise<void> => {
      const page = (
        await api.http().get('/accounts').query({ customerId, limit: '200' }).expect(200)
      ).body as {
        items: { balance: number }[];
      };
      expect(page.items).toHaveLength(200);
      expect(page.items.every((item) => item.balance === 49)).toBe(true);
    };
    await eventually(complete, 20_000);

    await api.http().post('/admin/projections/account-summaries/rebuild').expect(202);
    let readsWhileRebuilding = 0;
    for (;;) {
      const status = (await projections()).find((p) => p.name === 'account-summaries')!.status;
      if (status !== 'rebuilding') break;
      await complete();
      readsWhileRebuilding++;
    }
    expect(readsWhileRebuilding).toBeGreaterThan(0);
    await complete();
  }, 60_000);
});

describe('a failing projection is parked, visibly, and resumes when retried', () => {
  it('park -> GET /admin/projections shows it parked with its error -> retry -> running, rows equal the log', async () => {
    const { dataSource } = context.database;
    const { id } = await openFor(await customer());
    await eventually(async () =>
      expect(await projection('daily-totals')).toMatchObject({ status: 'running' }),
    );
    // The read database refuses writes to one read model: the event is in the store, the
    // projection cannot apply it.
    await dataSource.query(`
      CREATE FUNCTION refuse_daily_totals() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'daily_totals is refusing writes (fault injected by the test)'; END $$`);
    await dataSource.query(`
      CREATE TRIGGER refuse_daily_totals BEFORE INSERT OR UPDATE ON daily_totals
      FOR EACH ROW EXECUTE FUNCTION refuse_daily_totals()`);
    try {
      const deposit = await api.deposit(id, 777).expect(201);
      const position = (deposit.body as { position: string }).position;

      // Retried with backoff, then parked with its error and position on show.
      await eventually(async () => {
        const parked = await projection('daily-totals');
        expect(parked.status).toBe('parked');
        expect(parked.lastError).toContain('daily_totals is refusing writes');
        expect(BigInt(parked.position)).toBeLessThan(BigInt(position));
        expect(parked.lag.events).toBeGreaterThan(0);
      }, 20_000);
      // Every other projection keeps running: the same deposit is in account-summaries.
      await api.http().get('/accounts').set('X-Min-Position', position).expect(200);
      expect(await projection('account-summaries')).toMatchObject({ status: 'running' });
      // Parked means parked: nothing retries it behind the operator's back.
      expect((await projection('daily-totals')).status).toBe('parked');
    } finally {
      await dataSource.query('DROP TRIGGER refuse_daily_totals ON daily_totals');
      await dataSource.query('DROP FUNCTION refuse_daily_totals()');
    }

    const retried = await api.http().post('/admin/projections/daily-totals/retry').expect(202);
    expect(retried.headers.location).toBe('/admin/projections/daily-totals');
    await eventually(async () => {
      expect(await projection('daily-totals')).toMatchObject({
        status: 'running',
        lastError: null,
        lag: { events: 0 },
      });
    }, 20_000);
    // No event was skipped or applied twice while it was parked.
    expect(await liveAccountReadModels(dataSource)).toEqual(
      await expectedAccountReadModels(dataSource),
    );
  }, 60_000);
});

describe('OpenAPI', () => {
  it('documents the read-model routes, their filters and X-Min-Position in /docs-json', async () => {
    const document = (await api.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const parameters = (path: string) =>
      (document.paths[path]?.get?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
    expect(parameters('/accounts')).toEqual(
      expect.arrayContaining([
        'query:customerId',
        'query:status',
        'query:limit',
        'query:cursor',
        'header:X-Min-Position',
      ]),
    );
    expect(parameters('/reports/daily-totals')).toEqual(
      expect.arrayContaining(['query:from', 'query:to', 'header:X-Min-Position']),
    );
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/admin/projections',
        '/admin/projections/{name}/rebuild',
        '/admin/projections/{name}/retry',
      ]),
    );
  });
});
