import { randomUUID } from 'node:crypto';
import { accountsApi } from './support/accounts-api';
import { eventually } from './support/eventually';
import { seedAccountBacklog } from './support/seed-backlog';
import { useTestApp } from './support/test-app';

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
  (await api.http().get('/admin/projections').expect(200)).body as ProjectionRow[];

async function openFor(
  customerId: string,
  currency = 'EUR',
): Promise<{ id: string; position: string }> {
  const response = await api.http().post('/accounts').send({ customerId, currency }).expect(201);
  return response.body as { id: string; position: string };
}

describe('read-your-writes with X-Min-Position', () => {
  it('a list read sent with the position of a write includes that write', async () => {
    const customerId = randomUUID();
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

  it('a position the read model cannot reach in time is 503 READ_MODEL_BEHIND with Retry-After', async () => {
    const response = await api
      .http()
      .get('/accounts')
      .set('X-Min-Position', '999999999999')
      .expect(503);
    expect(response.body).toMatchObject({ code: 'READ_MODEL_BEHIND' });
    expect(response.headers['retry-after']).toBe('1');
  }, 15_000);

  it.each(['0', '-1', 'abc', '1e3', '99999999999999999999'])(
    'X-Min-Position %p is 400 INVALID_MIN_POSITION',
    async (value) => {
      const response = await api.http().get('/accounts').set('X-Min-Position', value).expect(400);
      expect(response.body).toMatchObject({ code: 'INVALID_MIN_POSITION' });
    },
  );
});

describe('GET /accounts (account-summaries read model)', () => {
  it('filters by customer and status and pages with a keyset cursor', async () => {
    const customerId = randomUUID();
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
    expect(ids).toEqual(opened.map((o) => o.id).sort());

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
    const { id } = await openFor(randomUUID(), 'CHF');
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
    expect(response.body).toContainEqual({
      day: today,
      currency: 'CHF',
      deposits: { amount: '1500', count: 2 },
      withdrawals: { amount: '300', count: 1 },
    });
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
      expect(rows.map((row) => row.name)).toEqual(['account-summaries', 'daily-totals']);
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
  });
});

describe('POST /admin/projections/{name}/rebuild', () => {
  it('rebuilds while writes continue: reads keep answering, and afterwards rows equal a full replay', async () => {
    const customerId = randomUUID();
    const accounts = [];
    for (let i = 0; i < 4; i++) accounts.push((await openFor(customerId)).id);
    const summaries = () =>
      context.database.dataSource.query(
        'SELECT account_id, customer_id, currency, balance::text, status, version, opened_at, updated_at FROM account_summaries ORDER BY account_id',
      );

    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) await api.deposit(accounts[n++ % accounts.length], 1).expect(201);
      return n;
    })();
    await api.http().post('/admin/projections/account-summaries/rebuild').expect(202);
    // While it rebuilds, the live read model keeps answering.
    await api.http().get('/accounts').query({ customerId }).expect(200);
    await eventually(async () => {
      const row = (await projections()).find((p) => p.name === 'account-summaries');
      expect(row?.status).not.toBe('rebuilding');
    }, 20_000);
    writing = false;
    const deposits = await writer;
    expect(deposits).toBeGreaterThan(0);

    const last = await api.deposit(accounts[0], 1).expect(201);
    await api
      .http()
      .get('/accounts')
      .set('X-Min-Position', (last.body as { position: string }).position)
      .expect(200);
    const live = await summaries();

    // The reference: rebuild again with no writes, which is a pure replay from position 0.
    await api.http().post('/admin/projections/account-summaries/rebuild').expect(202);
    await eventually(async () => {
      const row = (await projections()).find((p) => p.name === 'account-summaries');
      expect(row).toMatchObject({ status: 'running', lag: { events: 0 } });
    }, 20_000);
    expect(await summaries()).toEqual(live);
    const balances = (await api.http().get('/accounts').query({ customerId }).expect(200)).body as {
      items: { balance: number }[];
    };
    expect(balances.items.reduce((sum, item) => sum + item.balance, 0)).toBe(deposits + 1);
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
