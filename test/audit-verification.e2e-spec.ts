import request from 'supertest';
import { accountsApi } from './support/accounts-api';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { openTestDatabase, TestDatabase } from './support/test-database';
import { mintToken } from './support/tokens';

/**
 * GET /audit/verification: the event log's tamper evidence, as an auditor reads it. The app
 * writes a checkpoint every second here, so a deletion after one is caught by it.
 */
let database: TestDatabase;
let app: TestApp;
let auditor: string;

beforeAll(async () => {
  database = await openTestDatabase('audit_verification');
  // Read from the environment when the module starts, as the compliance settings are.
  process.env.AUDIT_CHECKPOINT_INTERVAL_MS = '1000';
  app = await startTestApp(database);
  auditor = await mintToken({ roles: ['auditor'] });
});
afterAll(async () => {
  delete process.env.AUDIT_CHECKPOINT_INTERVAL_MS;
  try {
    await app?.close();
  } finally {
    await database?.close();
  }
});

const verification = (query = '') =>
  request(app.baseUrl).get(`/audit/verification${query}`).set('Authorization', `Bearer ${auditor}`);

interface EventRow {
  global_position: string;
  stream_version: number;
}

it('answers verified for the log the app wrote, then names the event an UPDATE changed', async () => {
  const staff = accountsApi(app.baseUrl);
  const account = await staff.open('EUR');
  for (const amount of [100, 200, 300]) await staff.deposit(account, amount).expect(201);
  const streamId = `account-${account}`;
  const [{ total }] = await database.dataSource.query<{ total: number }[]>(
    `SELECT count(*)::int AS total FROM es_events`,
  );
  // The background loop signs the log up to the horizon.
  await eventually(async () => {
    const [last] = await database.dataSource.query<{ events: number }[]>(
      `SELECT events::int AS events FROM es_audit_checkpoints ORDER BY sequence DESC LIMIT 1`,
    );
    expect(last?.events).toBeGreaterThanOrEqual(total);
  }, 20_000);

  const whole = (await verification().expect(200)).body as { checkpoints: number };
  expect(whole).toMatchObject({ verified: true, events: total });
  expect(whole.checkpoints).toBeGreaterThanOrEqual(1);
  expect((await verification(`?streamId=${streamId}`).expect(200)).body).toEqual({
    verified: true,
    events: 4,
    checkpoints: 0,
  });

  const [second] = await database.dataSource.query<EventRow[]>(
    `SELECT global_position::text AS global_position, stream_version FROM es_events
      WHERE stream_id = $1 AND stream_version = 3`,
    [streamId],
  );
  await database.dataSource.query(
    `UPDATE es_events SET data = jsonb_set(data, '{amount}', '20000') WHERE global_position = $1`,
    [second.global_position],
  );

  for (const query of ['', `?streamId=${streamId}`])
    expect((await verification(query).expect(200)).body).toMatchObject({
      verified: false,
      firstBrokenAt: {
        problem: 'content-changed',
        streamId,
        streamVersion: 3,
        globalPosition: second.global_position,
      },
    });
});

it('refuses a stream id that is not 1-200 characters', async () => {
  await verification(`?streamId=${'x'.repeat(201)}`).expect(400);
});
