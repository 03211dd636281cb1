import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { httpApi } from './support/api';
import { startAppProcess } from './support/app-process';
import { testSecurityEnv } from './support/test-app';
import { openTestDatabase, TestDatabase } from './support/test-database';

/**
 * The master key: every start checks it is the one the database's data keys were wrapped
 * with, and a rotation re-wraps them all under a new one without changing what reads return.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase('pii_keys');
});
afterAll(() => database?.close());

const newKey = () => randomBytes(32).toString('base64');
const DIST = join(__dirname, '..', 'dist', 'src');

/** Starts the built app with `masterKey` and waits for it to exit; its whole output. */
async function startRefused(masterKey: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(DIST, 'main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: database.schema,
      NO_COLOR: '1',
      ...testSecurityEnv(),
      PII_MASTER_KEY: masterKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

async function customerWith(masterKey: string, id: string): Promise<Record<string, unknown>> {
  const app = await startAppProcess(database, { PII_MASTER_KEY: masterKey });
  try {
    return (await httpApi(app.baseUrl).get(`/customers/${id}`).expect(200)).body as Record<
      string,
      unknown
    >;
  } finally {
    await app.stop();
  }
}

describe('the personal-data master key', () => {
  it('a wrong key stops the start with a clear message; a rotation keeps every read equal', async () => {
    const first = newKey();
    const app = await startAppProcess(database, { PII_MASTER_KEY: first });
    let customerId: string;
    try {
      const response = await httpApi(app.baseUrl)
        .post('/customers')
        .send({ name: 'Ada Keyholder', email: 'ada.k@example.com', documentNumber: 'KEY-12345' })
        .expect(201);
      customerId = (response.body as { id: string }).id;
    } finally {
      await app.stop();
    }
    const before = await customerWith(first, customerId);
    expect(before).toMatchObject({ name: 'Ada Keyholder', documentNumber: 'KEY12345' });

    const refused = await startRefused(newKey());
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/PII_MASTER_KEY does not open the data keys of this database/);
    expect(refused.output).not.toMatch(/listening on/);

    const second = newKey();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(DIST, 'cli', 'personal-data-keys.cli.js'), 'rotate'],
      {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: database.url,
          DATABASE_SCHEMA: database.schema,
          PII_MASTER_KEY: first,
          PII_NEW_MASTER_KEY: second,
        },
      },
    );
    expect(stdout).toMatch(/re-wrapped/);
    const wrapped = await database.dataSource.query<{ master_key_id: string }[]>(
      'SELECT DISTINCT master_key_id FROM pii_data_keys',
    );
    expect(wrapped).toHaveLength(1);

    expect(await customerWith(second, customerId)).toEqual(before);
    expect((await startRefused(first)).output).toMatch(/does not open the data keys/);
  });
});
