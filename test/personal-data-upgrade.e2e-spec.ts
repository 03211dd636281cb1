import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { httpApi } from './support/api';
import { startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { plainTextFound, spellingsOf } from './support/plain-text-scan';
import { writePreviousReleaseData } from './support/previous-release-data';
import { testSecurityEnv } from './support/test-app';
import { openTestDatabase, TestDatabase } from './support/test-database';

/**
 * A database written by the release before sealing (personal fields in plain text, document
 * reservations named after the number): the app refuses it, `npm run pii:migrate` converts
 * it, and an erasure then leaves none of the customer's data in plain text anywhere.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase('pii_upgrade');
});
afterAll(() => database?.close());

const DIST = join(__dirname, '..', 'dist', 'src');
const env = () => ({
  PATH: process.env.PATH,
  DATABASE_URL: database.url,
  DATABASE_SCHEMA: database.schema,
  NO_COLOR: '1',
  ...testSecurityEnv(),
});

describe('upgrading from plain-text personal data', () => {
  it('is refused until pii:migrate ran; then an erased customer of that data leaves no trace', async () => {
    const { ada, adaKing } = await writePreviousReleaseData(database.dataSource);

    const refused = spawn(process.execPath, [join(DIST, 'main.js')], {
      env: { ...env(), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    refused.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    refused.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(refused, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(output).toMatch(/run `npm run pii:migrate` before starting this release/);
    const marked = async () =>
      (await database.dataSource.query<unknown[]>('SELECT 1 FROM pii_reservations_hashed')).length >
      0;
    expect(await marked()).toBe(false);

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(DIST, 'cli', 'personal-data-migrate.cli.js')],
      { env: env() },
    );
    expect(stdout).toMatch(/6 events sealed now, 0 already sealed, 2 reservation streams moved/);

    const app = await startAppProcess(database, { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' });
    try {
      const http = () => httpApi(app.baseUrl);
      // Found clean once, the database is marked: later starts skip the scan of the log.
      expect(await marked()).toBe(true);
      expect((await http().get(`/customers/${ada.customerId}`).expect(200)).body).toMatchObject({
        name: adaKing.name,
        email: adaKing.email,
        documentNumber: ada.documentNumber,
      });
      // The read model is built from the converted events: it holds her current name.
      await eventually(async () => {
        const [row] = await database.dataSource.query<{ name: string }[]>(
          `SELECT name FROM customer_summaries WHERE customer_id = $1`,
          [ada.customerId],
        );
        expect(row?.name).toBe(adaKing.name);
      });
      await http().post(`/customers/${ada.customerId}/erase`).expect(202);
      await eventually(async () => {
        const [row] = await database.dataSource.query<{ status: string }[]>(
          `SELECT status FROM customer_summaries WHERE customer_id = $1`,
          [ada.customerId],
        );
        expect(row?.status).toBe('ERASED');
      });
    } finally {
      await app.stop();
    }
    const secrets = spellingsOf([
      ada.name,
      ada.email,
      ada.documentNumber,
      adaKing.name,
      adaKing.email,
    ]);
    expect(await plainTextFound(database.dataSource, secrets)).toEqual([]);
    const logged = app.output.join('\n').toLowerCase();
    expect(secrets.filter((secret) => logged.includes(secret.toLowerCase()))).toEqual([]);
  });
});
