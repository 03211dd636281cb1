import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { accountsApi } from './support/accounts-api';
import { httpApi, storedIdempotencyKey } from './support/api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { TcpProxy } from './support/tcp-proxy';
import { describeOnServer } from './support/test-database';
import { startTestApp, TestApp, useTestApp } from './support/test-app';
import { mintToken } from './support/tokens';

/**
 * GET /metrics: who may scrape it, that the counters move by exactly what a scripted run
 * did, that the backlog gauges fall back to 0 when the app is idle, that every metric the
 * dashboard and the alert rules use is exported, and that a scrape answers while the
 * database is unreachable.
 */
const context = useTestApp('metrics');
const api = accountsApi(() => context.app.baseUrl);

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Scrape {
  readonly samples: readonly Sample[];
  /** Metric name -> type, from the `# TYPE` lines. */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The Prometheus text format, as far as these assertions need it. */
function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, types };
}

/** Sum of the samples called `name` whose labels include `labels`. */
function total(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter((sample) => sample.name === name)
    .filter((sample) =>
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

const samplesOf = (scrape: Scrape, name: string): Sample[] =>
  scrape.samples.filter((sample) => sample.name === name);

async function scrape(baseUrl = context.app.baseUrl): Promise<Scrape> {
  const response = await httpApi(baseUrl).get('/metrics').expect(200);
  return parseExposition(response.text);
}

const countEvents = async (): Promise<number> => {
  const [row] = await context.database.dataSource.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM es_events',
  );
  return row.n;
};

describe('who may scrape', () => {
  it('needs a token: 401 without, 403 for a teller, 200 for an auditor and an admin', async () => {
    const base = context.app.baseUrl;
    await request(base).get('/metrics').expect(401);
    const teller = await mintToken({ roles: ['teller'], subject: 'metrics-teller' });
    await httpApi(base, teller).get('/metrics').expect(403);
    for (const role of ['auditor', 'admin'] as const) {
      const token = await mintToken({ roles: [role], subject: `metrics-${role}` });
      const response = await httpApi(base, token).get('/metrics').expect(200);
      expect(response.type).toBe('text/plain');
      expect(response.headers['content-type']).toContain('version=0.0.4');
      expect(response.text).toContain('# TYPE ledgerline_commands_total counter');
      expect(response.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    }
  });
});

describe('the HTTP histogram', () => {
  it('labels requests by route pattern, and one no route took as unmatched, never by path', async () => {
    const id = randomUUID();
    await httpApi(context.app.baseUrl).get(`/accounts/${id}`).expect(404);
    await httpApi(context.app.baseUrl).get(`/no-such-route/${id}`).expect(404);
    await eventually(async () => {
      const now = await scrape();
      const count = 'ledgerline_http_request_duration_seconds_count';
      expect(total(now, count, { route: '/accounts/:id', status: '404' })).toBe(1);
      expect(total(now, count, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
      expect(JSON.stringify(now.samples)).not.toContain(id);
    });
  });
});

describe('a scripted run', () => {
  let other: TestApp;

  beforeAll(async () => {
    // A second instance on the same database: its write makes the first one's cached stream
    // state stale, the one way a version conflict arises (in one process commands queue).
    other = await startTestApp(context.database, {
      PROJECTIONS: 'off',
      OUTBOX_RELAY: 'off',
      PROCESS_MANAGERS: 'off',
    });
  });
  afterAll(async () => {
    await other?.close();
  });

  const N = 5;
  const M = 3;

  it('moves the counters by exactly what it did', async () => {
    const account = await api.open();
    await api.deposit(account, 1_000).expect(201);
    const otherApi = accountsApi(other.baseUrl);
    const before = await scrape();
    const otherBefore = await scrape(other.baseUrl);
    const eventsBefore = await countEvents();

    for (let i = 0; i < N; i++) await api.deposit(account, 10).expect(201);
    for (let i = 0; i < M; i++) {
      const refused = await api.withdraw(account, 1_000_000).expect(422);
      expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    }
    const stale = await api.withdraw(account, 1, { 'If-Match': '"1"' }).expect(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    // This instance keeps the state it wrote; the other instance's deposit makes it stale,
    // so the next deposit here meets one conflict, reloads and succeeds.
    await api.deposit(account, 10).expect(201);
    await otherApi.deposit(account, 10).expect(201);
    await api.deposit(account, 10).expect(201);
    // A keyed deposit whose HTTP record is lost: the repeat reaches the event store, which
    // answers it from the command record (replayed) and writes nothing.
    const key = randomUUID();
    await api.deposit(account, 10, { 'Idempotency-Key': key }).expect(201);
    await context.database.dataSource.query(
      'DELETE FROM http_idempotency_keys WHERE idempotency_key = $1',
      [storedIdempotencyKey(key)],
    );
    const repeat = await api.deposit(account, 10, { 'Idempotency-Key': key }).expect(201);
    expect(repeat.headers['idempotent-replayed']).toBeUndefined();
    expect(await api.account(account)).toMatchObject({ balance: 1_000 + 10 * (N + 4) });

    const deposits = { command: 'DepositMoneyCommand' };
    const withdrawals = { command: 'WithdrawMoneyCommand' };
    const depositRoute = { method: 'POST', route: '/accounts/:id/deposits' };
    const withdrawalRoute = { method: 'POST', route: '/accounts/:id/withdrawals' };
    const httpCount = 'ledgerline_http_request_duration_seconds_count';
    // The last response's observation lands as its connection's response closes: wait for
    // it, then every figure must be exact.
    let after = await scrape();
    await eventually(async () => {
      after = await scrape();
      expect(total(after, httpCount, { ...depositRoute, status: '201' })).toBe(
        total(before, httpCount, { ...depositRoute, status: '201' }) + N + 4,
      );
    });
    const delta = (name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);

    expect(delta('ledgerline_commands_total', { ...deposits, outcome: 'succeeded' })).toBe(N + 3);
    expect(delta('ledgerline_commands_total', { ...deposits, outcome: 'replayed' })).toBe(1);
    expect(delta('ledgerline_commands_total', { ...deposits, outcome: 'refused' })).toBe(0);
    expect(
      delta('ledgerline_commands_total', {
        ...withdrawals,
        outcome: 'refused',
        code: 'INSUFFICIENT_FUNDS',
      }),
    ).toBe(M);
    expect(
      delta('ledgerline_commands_total', {
        ...withdrawals,
        outcome: 'refused',
        code: 'VERSION_CONFLICT',
      }),
    ).toBe(1);
    expect(delta('ledgerline_commands_total', { ...withdrawals, outcome: 'succeeded' })).toBe(0);
    expect(delta('ledgerline_commands_total', { outcome: 'failed' })).toBe(0);
    expect(delta('ledgerline_command_duration_seconds_count', deposits)).toBe(N + 4);
    expect(delta('ledgerline_command_duration_seconds_count', withdrawals)).toBe(M + 1);
    // The stale If-Match is refused before any append: only the other instance's write
    // conflicts, once.
    expect(delta('ledgerline_command_conflicts_total', deposits)).toBe(1);
    expect(delta('ledgerline_command_conflicts_total')).toBe(1);
    expect(delta('ledgerline_command_retries_exhausted_total')).toBe(0);

    expect(delta(httpCount, { ...withdrawalRoute, status: '422' })).toBe(M);
    expect(delta(httpCount, { ...withdrawalRoute, status: '409' })).toBe(1);
    expect(delta(httpCount, { ...withdrawalRoute, status: '201' })).toBe(0);

    // Events: this instance's N + 3 deposits, then the other's one; the replay wrote none.
    expect(await countEvents()).toBe(eventsBefore + N + 4);
    expect(delta('ledgerline_appended_events_total')).toBe(N + 3);
    expect(delta('ledgerline_append_batch_size_count')).toBeGreaterThanOrEqual(1);
    const otherAfter = await scrape(other.baseUrl);
    expect(
      total(otherAfter, 'ledgerline_appended_events_total') -
        total(otherBefore, 'ledgerline_appended_events_total'),
    ).toBe(1);
    expect(
      total(otherAfter, 'ledgerline_commands_total', { ...deposits, outcome: 'succeeded' }) -
        total(otherBefore, 'ledgerline_commands_total', { ...deposits, outcome: 'succeeded' }),
    ).toBe(1);
  });

  it('counts the backlogs the tables hold', async () => {
    const db = context.database.dataSource;
    // Rows no worker takes: a manager nobody runs, and an outbox stream whose first message is
    // dead-lettered (the relay publishes a stream's messages in order, so the next one waits).
    const manager = `metrics-probe-${randomUUID()}`;
    const stream = `metrics-probe-${randomUUID()}`;
    const insertCommand = (status: string, attempts: number) =>
      db.query(
        `INSERT INTO es_process_commands (id, manager, process_id, causation_id, type, data, status, attempts)
         VALUES ($1, $2, 'p', 'c', 'probe', '{}', $3, $4)`,
        [randomUUID(), manager, status, attempts],
      );
    const insertOutbox = (version: number, status: string, ageSeconds: number) =>
      db.query(
        `INSERT INTO es_outbox (message_id, stream_id, stream_version, type, body, correlation_id, causation_id, status, created_at)
         VALUES ($1, $2, $3, 'probe', '{}', 'c', 'c', $4, now() - make_interval(secs => $5))`,
        [randomUUID(), stream, version, status, ageSeconds],
      );
    try {
      await insertCommand('pending', 0);
      await insertCommand('pending', 2);
      // Parked exists once the parking migration is in; before it the gauge reads 0.
      const parked = await insertCommand('parked', 5).then(
        () => 1,
        () => 0,
      );
      await db.query(
        `INSERT INTO es_process_deadlines (manager, process_id, key, due_at)
         VALUES ($1, 'p', 'due', now() - interval '1 minute'), ($1, 'p', 'later', now() + interval '1 hour')`,
        [manager],
      );
      await insertOutbox(1, 'dead', 7_200);
      await insertOutbox(2, 'pending', 3_600);
      const seeded = await scrape();
      expect(total(seeded, 'ledgerline_process_commands_pending')).toBe(2);
      expect(total(seeded, 'ledgerline_process_commands_retrying')).toBe(1);
      expect(total(seeded, 'ledgerline_process_commands_parked')).toBe(parked);
      expect(total(seeded, 'ledgerline_process_deadlines_due')).toBe(1);
      expect(total(seeded, 'ledgerline_outbox_dead_letters')).toBe(1);
      expect(total(seeded, 'ledgerline_outbox_pending_messages')).toBe(1);
      expect(total(seeded, 'ledgerline_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(
        3_600,
      );
    } finally {
      await db.query('DELETE FROM es_process_commands WHERE manager = $1', [manager]);
      await db.query('DELETE FROM es_process_deadlines WHERE manager = $1', [manager]);
      await db.query('DELETE FROM es_outbox WHERE stream_id = $1', [stream]);
    }
  });

  it('brings the backlog gauges back to 0 once idle, and counts what the relay published', async () => {
    const start = await scrape();
    await eventually(async () => {
      const now = await scrape();
      const lag = samplesOf(now, 'ledgerline_projection_lag_events');
      expect(lag.length).toBeGreaterThan(0);
      for (const sample of lag) expect(sample).toMatchObject({ value: 0 });
      for (const sample of samplesOf(now, 'ledgerline_projection_lag_seconds'))
        expect(sample).toMatchObject({ value: 0 });
      for (const { labels } of lag)
        expect(total(now, 'ledgerline_projection_status', { ...labels, status: 'running' })).toBe(
          1,
        );
      expect(total(now, 'ledgerline_outbox_pending_messages')).toBe(0);
      expect(total(now, 'ledgerline_outbox_oldest_pending_age_seconds')).toBe(0);
      expect(total(now, 'ledgerline_outbox_dead_letters')).toBe(0);
      expect(total(now, 'ledgerline_process_commands_pending')).toBe(0);
      expect(total(now, 'ledgerline_process_commands_retrying')).toBe(0);
      expect(total(now, 'ledgerline_process_commands_parked')).toBe(0);
      expect(total(now, 'ledgerline_process_deadlines_due')).toBe(0);
      expect(total(now, 'ledgerline_db_pool_waiting_requests')).toBe(0);
      expect(total(now, 'ledgerline_db_pool_max_connections')).toBeGreaterThan(0);
      // The only relay on this schema is this instance's: it published every message.
      const [outbox] = await context.database.dataSource.query<{ published: number }[]>(
        `SELECT count(*)::int AS published FROM es_outbox WHERE status = 'published'`,
      );
      expect(outbox.published).toBeGreaterThan(0);
      expect(total(now, 'ledgerline_outbox_published_total')).toBe(outbox.published);
      expect(total(now, 'ledgerline_scrape_errors_total')).toBe(
        total(start, 'ledgerline_scrape_errors_total'),
      );
    });
  });
});

/** Metric names a PromQL expression uses (those this app and prom-client export). */
function metricNamesIn(expression: string): string[] {
  return [...expression.matchAll(/\b(?:ledgerline|nodejs|process)_[a-zA-Z0-9_:]*/g)].map(
    ([name]) => name,
  );
}

/** An exported name: a histogram's series are its name plus _bucket, _sum or _count. */
function exportedAs(name: string, types: ReadonlyMap<string, string>): boolean {
  if (types.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && ['histogram', 'summary'].includes(types.get(base) ?? '');
}

describe('the dashboard and the alert rules', () => {
  const ops = join(__dirname, '..', 'ops');

  function dashboardExpressions(): string[] {
    // Panel targets' `expr`, and template variables' `query` (a string or { query }).
    const expressions: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null)
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'expr' || key === 'query') && typeof value === 'string')
            expressions.push(value);
          else walk(value);
        }
    };
    walk(JSON.parse(readFileSync(join(ops, 'grafana', 'ledgerline-dashboard.json'), 'utf8')));
    return expressions;
  }

  function alertExpressions(): string[] {
    // expr lines of the rules file; a folded (>-) expression continues on the indented lines.
    const lines = readFileSync(join(ops, 'prometheus', 'alerts.yml'), 'utf8').split('\n');
    const expressions: string[] = [];
    lines.forEach((line, index) => {
      const match = /^(\s*)expr:\s*(.*)$/.exec(line);
      if (!match) return;
      const parts = [match[2]];
      for (let next = index + 1; next < lines.length; next++) {
        const indent = /^(\s*)/.exec(lines[next])![1].length;
        if (lines[next].trim() === '' || indent <= match[1].length) break;
        parts.push(lines[next].trim());
      }
      expressions.push(parts.join(' '));
    });
    return expressions;
  }

  it('use only metrics that /metrics exports', async () => {
    const { types } = await scrape();
    const dashboard = dashboardExpressions();
    const alerts = alertExpressions();
    expect(dashboard.length).toBeGreaterThanOrEqual(20);
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    const used = new Set([...dashboard, ...alerts].flatMap(metricNamesIn));
    expect(used.size).toBeGreaterThanOrEqual(20);
    expect([...used].filter((name) => !exportedAs(name, types))).toEqual([]);
  });

  it('alert on what the operators must act on', () => {
    const alerts = alertExpressions().join('\n');
    for (const name of [
      'ledgerline_projection_status',
      'ledgerline_projection_lag_seconds',
      'ledgerline_outbox_oldest_pending_age_seconds',
      'ledgerline_outbox_dead_letters',
      'ledgerline_process_commands_parked',
    ])
      expect(alerts).toContain(name);
  });
});

describeOnServer('a scrape while the database is unreachable', () => {
  let app: AppProcess | undefined;
  afterAll(async () => {
    await app?.stop();
  });

  it('still answers, with what needs no database, and counts the sources it left out', async () => {
    const target = new URL(context.database.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    try {
      // Only reads: no relay or worker of its own on this file's schema.
      app = await startAppProcess(
        { ...context.database, url: proxy.url(context.database.url) },
        { PROJECTIONS: 'off', OUTBOX_RELAY: 'off', PROCESS_MANAGERS: 'off' },
      );
      const healthy = await scrape(app.baseUrl);
      expect(samplesOf(healthy, 'ledgerline_outbox_pending_messages')).toHaveLength(1);
      expect(total(healthy, 'ledgerline_scrape_errors_total')).toBe(0);

      await proxy.cut();
      const cut = await scrape(app.baseUrl);
      for (const source of ['projections', 'outbox', 'process_managers'])
        expect(total(cut, 'ledgerline_scrape_errors_total', { source })).toBe(1);
      expect(samplesOf(cut, 'ledgerline_outbox_pending_messages')).toHaveLength(0);
      expect(samplesOf(cut, 'ledgerline_projection_lag_events')).toHaveLength(0);
      expect(samplesOf(cut, 'ledgerline_process_commands_parked')).toHaveLength(0);
      expect(samplesOf(cut, 'ledgerline_db_pool_max_connections')).toHaveLength(1);
      expect(samplesOf(cut, 'nodejs_heap_size_used_bytes')).toHaveLength(1);

      await proxy.restore();
      await eventually(async () => {
        const back = await scrape(app!.baseUrl);
        expect(samplesOf(back, 'ledgerline_outbox_pending_messages')).toHaveLength(1);
        expect(samplesOf(back, 'ledgerline_projection_lag_events').length).toBeGreaterThan(0);
      });
    } finally {
      await proxy.stop();
    }
  }, 120_000);
});
