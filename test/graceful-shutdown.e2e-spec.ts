import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { staffToken } from './support/api';
import { accountsApi } from './support/accounts-api';
import { AppProcess, startAppProcess } from './support/app-process';
import { holdBrokerIfAvailable, TEST_AMQP_URL, testExchange } from './support/broker';
import { eventually } from './support/eventually';
import { RawHttpConnection } from './support/raw-http';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

/**
 * Reads that wait their whole READ_YOUR_WRITES_TIMEOUT_MS: the daily_totals table refuses
 * writes, so the daily-totals projection never applies a deposit, and a read of it that asks
 * for a deposit's position waits for it in vain. (A position past the head of the log would
 * not wait at all: it is 400 MIN_POSITION_AHEAD_OF_LOG.)
 */
async function stallDailyTotals(database: TestDatabase): Promise<void> {
  await database.dataSource.query(`
    CREATE FUNCTION refuse_daily_totals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'daily_totals refuses writes (the test stalls the projection)'; END $$`);
  await database.dataSource.query(`
    CREATE TRIGGER refuse_daily_totals BEFORE INSERT OR UPDATE ON daily_totals
    FOR EACH ROW EXECUTE FUNCTION refuse_daily_totals()`);
}

/** A read of the stalled daily-totals read model (see stallDailyTotals). */
const slowReadPath = (): string => {
  const today = new Date().toISOString().slice(0, 10);
  return `/reports/daily-totals?from=${today}&to=${today}`;
};

/** One request of the load, as its client saw it. */
interface Sent {
  readonly kind: 'deposit' | 'read' | 'slow read';
  /** The deposit's reference, unique in the run: how its event is found. */
  readonly reference?: string;
  /** When the whole request had been handed to the operating system. */
  writtenAt?: number;
  answeredAt?: number;
  status?: number;
  /** The problem's code, for an error response. */
  code?: string;
  /** No complete response: ECONNREFUSED, ECONNRESET, "response cut off", … */
  error?: string;
  position?: string;
}

/** Sends one request with Node's client (which reports when the request left) and waits. */
function send(
  sent: Sent,
  url: string,
  agent: Agent,
  method: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Sent> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (update: Partial<Sent>) => {
      if (settled) return;
      settled = true;
      Object.assign(sent, update, { answeredAt: performance.now() });
      resolve(sent);
    };
    const request = httpRequest(
      url,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${staffToken()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const parsed = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
            code?: string;
            position?: string;
          };
          settle({ status: response.statusCode, code: parsed.code, position: parsed.position });
        });
        response.on('close', () => {
          if (!response.complete) settle({ error: 'response cut off' });
        });
      },
    );
    request.on('finish', () => (sent.writtenAt = performance.now()));
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle({ error: error.code ?? error.message }),
    );
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const connectionRefused = (baseUrl: string): Promise<boolean> =>
  new Promise((resolve) => {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

const stoppedLine = (app: AppProcess): boolean =>
  app.output.some((line) => /\bstopped\b/.test(line));

/**
 * SIGTERM drains the instance: readiness fails at once, the listener closes, every request
 * already sent is answered (running ones finish, keep-alive connections end with their
 * response), then the loops, pool and broker close and the process says "stopped" and exits 0.
 */
describeOnServer('graceful shutdown', () => {
  let database: TestDatabase;
  const apps: AppProcess[] = [];

  holdBrokerIfAvailable();
  beforeAll(async () => {
    database = await openTestDatabase('graceful_shutdown');
    await stallDailyTotals(database);
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await database?.close();
  });

  async function start(env: NodeJS.ProcessEnv): Promise<AppProcess> {
    const broker =
      process.env.LEDGERLINE_TEST_BROKER === 'available'
        ? { AMQP_URL: TEST_AMQP_URL, AMQP_EXCHANGE: testExchange('shutdown') }
        : {};
    const app = await startAppProcess(database, { ...broker, ...env });
    apps.push(app);
    return app;
  }

  it('SIGTERM under load: every request sent before it is answered, every answered deposit is recorded once, exit 0 after "stopped"', async () => {
    const app = await start({ SHUTDOWN_GRACE_MS: '30000', READ_YOUR_WRITES_TIMEOUT_MS: '1500' });
    const api = accountsApi(app.baseUrl);
    const accounts = await Promise.all(Array.from({ length: 8 }, () => api.open()));
    const customerId = await api.customer();

    const sent: Sent[] = [];
    let exited = false;
    let killedAt = Infinity;
    let latestPosition = '1';
    let serial = 0;
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    // Each client loops until its first request without a response, which after the SIGTERM
    // is the closed listener (or, before it, a failure the assertions below report).
    const client = async (next: () => Promise<Sent>) => {
      while (!exited) {
        const result = await next();
        sent.push(result);
        if (result.error) return;
      }
    };
    const depositor = (account: string) =>
      client(async () => {
        const reference = `shutdown-${++serial}`;
        const result = await send(
          { kind: 'deposit', reference },
          `${app.baseUrl}/accounts/${account}/deposits`,
          agent,
          'POST',
          {},
          { amount: 1, reference },
        );
        if (result.position && BigInt(result.position) > BigInt(latestPosition))
          latestPosition = result.position;
        return result;
      });
    // Read-your-writes reads wait for the projection; the slow ones (of the stalled
    // daily-totals) wait their whole timeout.
    const reader = (kind: 'read' | 'slow read') =>
      client(() =>
        send(
          { kind },
          kind === 'slow read'
            ? `${app.baseUrl}${slowReadPath()}`
            : `${app.baseUrl}/accounts?customerId=${customerId}`,
          agent,
          'GET',
          { 'x-min-position': latestPosition },
        ),
      );
    const load = Promise.all([
      ...accounts.map(depositor),
      reader('read'),
      reader('read'),
      reader('slow read'),
      reader('slow read'),
    ]);

    await eventually(() =>
      expect(sent.filter((s) => s.kind === 'deposit' && s.status === 201).length).toBeGreaterThan(
        80,
      ),
    );
    killedAt = performance.now();
    app.child.kill('SIGTERM');
    const code = await app.exited;
    exited = true;
    await load;
    agent.destroy();

    expect(code).toBe(0);
    expect(stoppedLine(app)).toBe(true);
    // Nothing was cut at the end of the grace period: everything running finished by itself.
    expect(app.output.some((line) => /running requests finished/.test(line))).toBe(true);

    const before = sent.filter((s) => s.writtenAt !== undefined && s.writtenAt < killedAt);
    const after = sent.filter((s) => !before.includes(s));
    // Every request that had left before the signal got a complete answer: success, or a 503
    // problem (a slow read's READ_MODEL_BEHIND); no reset, no hang-up.
    const unanswered = before.filter((s) => s.status === undefined);
    expect(unanswered).toEqual([]);
    for (const s of before) {
      if (s.status! >= 300)
        expect({ status: s.status, code: s.code }).toEqual({
          status: 503,
          code: 'READ_MODEL_BEHIND',
        });
    }
    // Some were still running when the signal came, and finished during the drain.
    const runningAtSignal = before.filter((s) => s.answeredAt! > killedAt);
    expect(runningAtSignal.filter((s) => s.kind === 'slow read').length).toBeGreaterThan(0);

    const count = (list: Sent[], test: (s: Sent) => boolean) => list.filter(test).length;
    console.log(
      `[graceful shutdown] before SIGTERM: ${before.length} requests, ${runningAtSignal.length} of them running at the signal; ` +
        `after: ${count(after, (s) => s.status !== undefined)} answered, ` +
        `${count(after, (s) => s.error === 'ECONNREFUSED')} refused, ` +
        `${count(after, (s) => s.error !== undefined && s.error !== 'ECONNREFUSED')} cut (${[
          ...new Set(after.map((s) => s.error).filter(Boolean)),
        ].join(', ')})`,
    );

    // Every deposit answered 201 is in the store exactly once; any other recorded deposit
    // is one whose client never heard back (sent after the signal, cut off).
    const rows = await database.dataSource.query<{ reference: string; n: number }[]>(
      `SELECT data->>'reference' AS reference, count(*)::int AS n FROM es_events
        WHERE type = 'MoneyDeposited' AND stream_id = ANY($1) GROUP BY 1`,
      [accounts.map((account) => `account-${account}`)],
    );
    const recorded = new Map(rows.map((row) => [row.reference, row.n]));
    const deposits = sent.filter((s) => s.kind === 'deposit');
    const succeeded = deposits.filter((s) => s.status === 201);
    expect(succeeded.filter((s) => recorded.get(s.reference!) !== 1)).toEqual([]);
    const unknownOutcome = new Set(
      deposits.filter((s) => s.status === undefined).map((s) => s.reference),
    );
    expect(
      [...recorded.keys()].filter(
        (reference) =>
          !succeeded.some((s) => s.reference === reference) && !unknownOutcome.has(reference),
      ),
    ).toEqual([]);
    expect([...recorded.values()].every((n) => n === 1)).toBe(true);
  });

  it('/health/ready answers 503 while a running request finishes, /health/live 200; new connections are refused', async () => {
    const app = await start({ SHUTDOWN_GRACE_MS: '30000', READ_YOUR_WRITES_TIMEOUT_MS: '4000' });
    const api = accountsApi(app.baseUrl);
    const deposited = await api.deposit(await api.open(), 1).expect(201);
    const { position } = deposited.body as { position: string };
    const connection = await RawHttpConnection.open(app.baseUrl);
    const auth = { Authorization: `Bearer ${staffToken()}` };
    await connection.send({ method: 'GET', path: '/health/ready' });
    expect(await connection.nextResponse()).toMatchObject({ status: 200 });
    // A read that waits its whole READ_YOUR_WRITES_TIMEOUT_MS: running when the signal comes.
    await connection.send({
      method: 'GET',
      path: slowReadPath(),
      headers: { ...auth, 'X-Min-Position': position },
    });

    app.child.kill('SIGTERM');
    // Only once the app has taken the signal: a probe read before would rightly answer 200.
    await eventually(() =>
      expect(app.output.some((line) => /SIGTERM: shutting down/.test(line))).toBe(true),
    );
    await eventually(async () => expect(await connectionRefused(app.baseUrl)).toBe(true));
    // Pipelined behind the running read on its still-open connection, in one write: the server
    // reads both now and answers them in order after the read.
    await connection.send(
      { method: 'GET', path: '/health/ready' },
      { method: 'GET', path: '/health/live' },
    );

    const read = await connection.nextResponse();
    expect({ status: read.status, code: (JSON.parse(read.body) as { code: string }).code }).toEqual(
      { status: 503, code: 'READ_MODEL_BEHIND' },
    );
    const ready = await connection.nextResponse();
    expect(ready.status).toBe(503);
    expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(ready.body)).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      detail: 'this instance is shutting down',
    });
    const live = await connection.nextResponse();
    expect(live.status).toBe(200);
    // The last answer ends the connection, so the client sends nothing more on it.
    expect(live.headers.connection).toBe('close');
    await connection.closed;

    expect(await app.exited).toBe(0);
    expect(stoppedLine(app)).toBe(true);
  });
});
