import { randomBytes } from 'node:crypto';
import { accountsApi } from './support/accounts-api';
import { httpApi } from './support/api';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { mintToken } from './support/tokens';
import { plainTextFound, spellingsOf } from './support/plain-text-scan';
import { openTestDatabase, TestDatabase } from './support/test-database';

/**
 * Erasure (crypto-shredding): once a customer is erased, none of their personal data is left
 * in plain text anywhere the app keeps data (every text and JSON column of every table of its
 * schema) or in what it logged, while the book of record still folds, read models rebuild to
 * the same rows and the document number can be registered again.
 */
let database: TestDatabase;
let app: AppProcess;

beforeAll(async () => {
  database = await openTestDatabase('pii_erasure');
  // A process of its own: its output is the app's log, searched below. Debug logs the most.
  app = await startAppProcess(database, { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' });
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
});

const suffix = randomBytes(4).toString('hex').toUpperCase();
const person = {
  name: `Grace Hopper${suffix}`,
  email: `grace.${suffix.toLowerCase()}@navy.example`,
  // Sent in a spelling of its own; stored normalised.
  documentNumber: `gh-${suffix.slice(0, 4)} ${suffix.slice(4)}`,
  normalised: `GH${suffix}`,
  newName: `Grace B. Hopper${suffix}`,
  newEmail: `admiral.${suffix.toLowerCase()}@navy.example`,
};

/** Every spelling of the person's data a scan must not find. */
const spellings = (): string[] =>
  spellingsOf([
    person.name,
    person.email,
    person.documentNumber,
    person.normalised,
    person.newName,
    person.newEmail,
  ]);

const summaryRows = () =>
  database.dataSource.query<Record<string, unknown>[]>(
    `SELECT customer_id, name, email, document_number, status, open_accounts, version,
            registered_at, updated_at
       FROM customer_summaries ORDER BY customer_id`,
  );

describe('erasing a customer', () => {
  it('leaves no plain text of them in any table or log line, and the books still fold', async () => {
    const http = () => httpApi(app.baseUrl);
    const accounts = accountsApi(app.baseUrl);
    const registered = await http()
      .post('/customers')
      .send({ name: person.name, email: person.email, documentNumber: person.documentNumber })
      .expect(201);
    const customerId = (registered.body as { id: string }).id;
    // Every write with an idempotency key: stored responses are part of the scan.
    await http()
      .post(`/customers/${customerId}/contact-details`)
      .set('Idempotency-Key', `contact-${suffix}`)
      .send({ name: person.newName, email: person.newEmail })
      .expect(200);
    const account = await accounts.open('EUR', customerId);
    await accounts.deposit(account, 500, { 'Idempotency-Key': `dep-${suffix}` }).expect(201);
    await accounts.withdraw(account, 500).expect(201);
    await http().post(`/accounts/${account}/close`).expect(200);
    const history = (await http().get(`/accounts/${account}/events?limit=500`).expect(200))
      .body as { items: unknown[] };
    const before = await accounts.account(account);
    // The scan finds what is there: the read model holds the current name before erasure.
    await eventually(async () =>
      expect(await plainTextFound(database.dataSource, [person.newName])).toEqual([
        `customer_summaries.name holds ${person.newName}`,
      ]),
    );

    // Open accounts stop the erasure (none here any more); the customer erases themselves.
    const token = await mintToken({ roles: ['customer'], customerId, subject: `c-${suffix}` });
    const erased = await httpApi(app.baseUrl, token)
      .post(`/customers/${customerId}/erase`)
      .expect(202);
    expect(erased.body).toMatchObject({ id: customerId });
    expect(erased.headers.location).toBe(`/customers/${customerId}`);
    // Idempotent: a repeat is 202 again and writes nothing.
    const repeat = await http().post(`/customers/${customerId}/erase`).expect(202);
    expect((repeat.body as { version: number }).version).toBe(
      (erased.body as { version: number }).version,
    );

    const view = (await http().get(`/customers/${customerId}`).expect(200)).body as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({ status: 'ERASED', name: null, email: null, documentNumber: null });
    await eventually(async () => {
      const [row] = await database.dataSource.query<{ status: string }[]>(
        `SELECT status FROM customer_summaries WHERE customer_id = $1`,
        [customerId],
      );
      expect(row?.status).toBe('ERASED');
    });

    // The account still folds to the same state, and its history reads as before.
    expect(await accounts.account(account)).toEqual(before);
    const after = (await http().get(`/accounts/${account}/events?limit=500`).expect(200)).body as {
      items: unknown[];
    };
    expect(after.items).toEqual(history.items);

    // A rebuild from zero gives the same rows, the erased customer's placeholder included.
    const rows = await summaryRows();
    // Spoilt on purpose: only a rebuild from the events puts the row right again.
    await database.dataSource.query(
      `UPDATE customer_summaries SET open_accounts = 99, status = 'ACTIVE' WHERE customer_id = $1`,
      [customerId],
    );
    await http().post('/admin/projections/customer-summaries/rebuild').expect(202);
    await eventually(async () => {
      const listed = (await http().get('/admin/projections').expect(200)).body as {
        items: { name: string; status: string }[];
      };
      expect(listed.items.find((p) => p.name === 'customer-summaries')?.status).toBe('running');
      expect(await summaryRows()).toEqual(rows);
    }, 20_000);

    expect(await plainTextFound(database.dataSource, spellings())).toEqual([]);
    const logged = app.output.join('\n').toLowerCase();
    expect(logged.length).toBeGreaterThan(0);
    expect(spellings().filter((needle) => logged.includes(needle.toLowerCase()))).toEqual([]);

    // The document number is free again (for someone else: the scan above is done).
    await http()
      .post('/customers')
      .send({ name: 'Someone Else', email: 'else@example.com', documentNumber: person.normalised })
      .expect(201);
  });

  it('is refused while the customer has an open account (409), and changes nothing', async () => {
    const http = () => httpApi(app.baseUrl);
    const registered = await http()
      .post('/customers')
      .send({ name: 'Kept', email: 'kept@example.com', documentNumber: `K${suffix}` })
      .expect(201);
    const customerId = (registered.body as { id: string }).id;
    await accountsApi(app.baseUrl).open('EUR', customerId);
    const refused = await http().post(`/customers/${customerId}/erase`).expect(409);
    expect(refused.body).toMatchObject({ code: 'CUSTOMER_HAS_OPEN_ACCOUNTS' });
    const view = (await http().get(`/customers/${customerId}`).expect(200)).body as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({ status: 'ACTIVE', name: 'Kept', email: 'kept@example.com' });
  });
});
