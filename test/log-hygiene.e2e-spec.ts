import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { httpApi, staffToken } from './support/api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { openTestDatabase, TestDatabase } from './support/test-database';
import { mintToken } from './support/tokens';

/** One line of the app's stdout, parsed: every line must be a JSON object. */
type LogLine = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The built app, run as production runs it (stdout a pipe, so JSON), through a realistic
 * flow with distinctive personal data and tokens: none of them may reach a log line, while
 * every request leaves one access line with its ids and principal, and the correlation id of
 * a request follows what it caused (the relay's publish, the consumer, the transfer process).
 */
describe('Structured logs', () => {
  const suffix = randomBytes(4).toString('hex');
  const customer = {
    name: `Philippa Quennell-Vasquez ${suffix}`,
    email: `philippa.quennell.${suffix}@hygiene.example`,
    documentNumber: `HYG${suffix.toUpperCase()}77`,
  };
  const ids = (step: string) => ({
    'X-Request-Id': `req-${step}-${suffix}`,
    'X-Correlation-Id': `corr-${step}-${suffix}`,
  });
  let database: TestDatabase;
  let app: AppProcess;
  let customerToken: string;
  const forgedToken = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmb3JnZWQifQ.${suffix}forged`;
  let fromAccount: string;
  let toAccount: string;

  const lines = (): LogLine[] => app.output.map((line) => JSON.parse(line) as LogLine);
  const accessLinesOf = (requestId: string) =>
    lines().filter((line) => line.requestId === requestId && 'status' in line);
  const api = () => httpApi(app.baseUrl);

  beforeAll(async () => {
    database = await openTestDatabase('log_hygiene');
    // debug: the relay's, the consumer's and the process manager's lines are debug lines.
    app = await startAppProcess(database, { LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await app?.stop();
    await database?.close();
  });

  it('says at start-up where it listens and which database, broker and issuer it uses', async () => {
    const host = new URL(database.url).host;
    // The issuer line follows "listening on", which is all startAppProcess waited for.
    await eventually(() =>
      expect(lines().map((line) => String(line.msg))).toEqual(
        expect.arrayContaining([
          `database: PostgreSQL server at ${host} (DATABASE_URL)`,
          expect.stringMatching(/^broker: none, integration messages are delivered in process/),
          expect.stringMatching(/^listening on http:\/\/\S+/),
          expect.stringMatching(/^authentication: the local development issuer signs tokens/),
        ]),
      ),
    );
    // Nest's own lines go through pino too: JSON with their context.
    expect(lines()).toContainEqual(
      expect.objectContaining({ context: 'NestApplication', level: 'info' }),
    );
  });

  it('runs a realistic flow: register, open, deposit, withdraw, transfer, refusals', async () => {
    const registered = await api()
      .post('/customers')
      .set(ids('register'))
      .send(customer)
      .expect(201);
    const customerId = (registered.body as { id: string }).id;
    customerToken = await mintToken({ roles: ['customer'], customerId, subject: `cust-${suffix}` });
    const open = async () =>
      (
        (await api().post('/accounts').send({ customerId, currency: 'EUR' }).expect(201)).body as {
          id: string;
        }
      ).id;
    fromAccount = await open();
    toAccount = await open();

    const deposit = await api()
      .post(`/accounts/${fromAccount}/deposits`)
      .set(ids('deposit'))
      .send({ amount: 5_000 })
      .expect(201);
    expect(deposit.headers['x-request-id']).toBe(ids('deposit')['X-Request-Id']);
    expect(deposit.headers['x-correlation-id']).toBe(ids('deposit')['X-Correlation-Id']);

    await httpApi(app.baseUrl, customerToken)
      .post(`/accounts/${fromAccount}/withdrawals`)
      .set(ids('withdraw'))
      .send({ amount: 1_000 })
      .expect(201);
    const overdraft = await api()
      .post(`/accounts/${fromAccount}/withdrawals`)
      .set(ids('overdraft'))
      .send({ amount: 1_000_000 });
    expect(overdraft.status).toBeGreaterThanOrEqual(400);

    await api()
      .post('/transfers')
      .set(ids('transfer'))
      .send({ fromAccountId: fromAccount, toAccountId: toAccount, amount: 1_500 })
      .expect(202);

    // A refused body full of personal data, and a search whose query string holds some.
    const invalid = await api()
      .post('/customers')
      .set(ids('bad-request'))
      .send({ ...customer, email: `not-an-email ${customer.email}`, extra: customer.name });
    expect(invalid.status).toBe(400);
    expect(invalid.headers['x-request-id']).toBe(ids('bad-request')['X-Request-Id']);
    await api()
      .get('/customers')
      .query({ query: customer.email })
      .set(ids('search'))
      .ok(() => true);
  });

  it('echoes X-Request-Id and X-Correlation-Id on every response, problem+json included', async () => {
    const anonymous = await request(app.baseUrl).get(`/accounts/${fromAccount}`).expect(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(anonymous.headers['x-request-id']).toMatch(UUID);
    // Without X-Correlation-Id the request starts its own chain.
    expect(anonymous.headers['x-correlation-id']).toBe(anonymous.headers['x-request-id']);

    const forged = await request(app.baseUrl)
      .get(`/accounts/${fromAccount}`)
      .set('Authorization', `Bearer ${forgedToken}`)
      .set(ids('forged'))
      .expect(401);
    expect(forged.headers['x-request-id']).toBe(ids('forged')['X-Request-Id']);
    expect(forged.headers['x-correlation-id']).toBe(ids('forged')['X-Correlation-Id']);

    // An id that is not 1-128 of [A-Za-z0-9._:-] is replaced, never echoed.
    const odd = await api()
      .get('/health/live')
      .set('X-Request-Id', 'has spaces and <markup>')
      .expect(200);
    expect(odd.headers['x-request-id']).toMatch(UUID);

    // Refused by a middleware before any route: the ids are there all the same.
    const unsupported = await api()
      .post('/accounts')
      .set('Content-Type', 'text/plain')
      .set(ids('media-type'))
      .send('customer=nobody');
    expect(unsupported.status).toBe(415);
    expect(unsupported.headers['x-request-id']).toBe(ids('media-type')['X-Request-Id']);
  });

  it('writes one JSON access line per request: method, route, status, duration, ids, sub', async () => {
    // Written when the response has finished, and read from a pipe: wait for the last one.
    await eventually(() =>
      expect(accessLinesOf(ids('media-type')['X-Request-Id'])).toHaveLength(1),
    );
    expect(accessLinesOf(ids('deposit')['X-Request-Id'])).toEqual([
      expect.objectContaining({
        level: 'info',
        requestId: ids('deposit')['X-Request-Id'],
        correlationId: ids('deposit')['X-Correlation-Id'],
        sub: 'test-staff',
        method: 'POST',
        route: '/accounts/:id/deposits',
        status: 201,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(accessLinesOf(ids('withdraw')['X-Request-Id'])).toEqual([
      expect.objectContaining({ sub: `cust-${suffix}`, route: '/accounts/:id/withdrawals' }),
    ]);
    // Refused tokens name no principal; the route is still the pattern.
    const [forged] = accessLinesOf(ids('forged')['X-Request-Id']);
    expect(forged).toMatchObject({ status: 401, route: '/accounts/:id' });
    expect(forged).not.toHaveProperty('sub');
    // Refused before routing: no route, the bare path.
    expect(accessLinesOf(ids('media-type')['X-Request-Id'])).toEqual([
      expect.objectContaining({ status: 415, route: null, path: '/accounts' }),
    ]);
    // The search is logged by its route, without the query string.
    expect(accessLinesOf(ids('search')['X-Request-Id'])).toEqual([
      expect.objectContaining({ route: '/customers', method: 'GET' }),
    ]);
  });

  it("carries the request's correlation id into the outbox relay, the consumer and the transfer process", async () => {
    const withCorrelation = (step: string) =>
      lines().filter((line) => line.correlationId === ids(step)['X-Correlation-Id']);
    await eventually(() => {
      expect(withCorrelation('deposit')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ context: 'Outbox', type: 'accounts.money-deposited' }),
        ]),
      );
      expect(withCorrelation('withdraw')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ context: 'Outbox', type: 'accounts.money-withdrawn' }),
          expect.objectContaining({
            context: 'WithdrawalNotifications',
            msg: 'withdrawal notice recorded',
          }),
        ]),
      );
      expect(withCorrelation('transfer')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            context: 'TransferProcess',
            msg: expect.stringMatching(/^sending /),
          }),
        ]),
      );
    });
  });

  it('logs no personal data and no token, and says when it has stopped', async () => {
    await app.stop();
    // The pipe may still hold the last lines when the process has exited.
    await eventually(() => expect(app.output.join('\n')).toContain('"msg":"stopped"'));
    const text = app.output.join('\n');
    for (const secret of [
      customer.name,
      customer.documentNumber,
      customer.email,
      customer.email.split('@')[0],
      staffToken(),
      customerToken,
      forgedToken,
      'Bearer ',
    ]) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
  });
});
