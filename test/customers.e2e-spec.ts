import { EventStore } from '@ledgerline/event-sourcing';
import { EVENT_STORE } from '../src/database/database.tokens';
import { httpApi } from './support/api';
import { accountsApi, registerCustomer, uniqueDocumentNumber } from './support/accounts-api';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

let database: TestDatabase;
let first: TestApp;
let second: TestApp;

beforeAll(async () => {
  database = await openTestDatabase('customers');
  // Generous read-your-writes wait: CI machines are busy, and a 503 here is not the point.
  first = await startTestApp(database, { READ_YOUR_WRITES_TIMEOUT_MS: '15000' });
  second = await startTestApp(database, { READ_YOUR_WRITES_TIMEOUT_MS: '15000' });
});
afterAll(async () => {
  await first.close();
  await second.close();
  await database.close();
});

const http = () => httpApi(first.baseUrl);
/** The app's own event store: reads events as the app does, personal fields opened. */
const eventStoreOf = (app: TestApp): EventStore => app.app.get<EventStore>(EVENT_STORE);
const register = (body: Record<string, unknown>, baseUrl = first.baseUrl) =>
  httpApi(baseUrl).post('/customers').send(body);
const valid = (documentNumber = uniqueDocumentNumber()) => ({
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  documentNumber,
});

const statusCounts = (statuses: number[]): Record<number, number> =>
  statuses.reduce<Record<number, number>>((counts, status) => {
    counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }, {});

/** Customer rows of the book of record (events), for "changes nothing" checks. */
const eventCount = async (): Promise<number> =>
  Number(
    (await database.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM es_events'))[0].n,
  );

/** Spellings of one document number that all normalise to `AB` + digits. */
function spellings(digits: string, count: number): string[] {
  const forms = [
    (d: string) => `AB${d}`,
    (d: string) => `ab-${d}`,
    (d: string) => ` Ab ${d.slice(0, 3)} ${d.slice(3)} `,
    (d: string) => `a-b-${d.split('').join('-')}`,
    (d: string) => `AB ${d.slice(0, 2)}-${d.slice(2)}`,
  ];
  return Array.from({ length: count }, (_, i) => forms[i % forms.length](digits));
}

describe('customers API', () => {
  it('registers a customer (201) and reads it back with the normalised document number', async () => {
    const response = await register(valid(' xy-12 34 56 ')).expect(201);
    const { id, version, position } = response.body as {
      id: string;
      version: number;
      position: string;
    };
    expect(version).toBe(1);
    expect(position).toMatch(/^\d+$/);
    expect(response.headers.location).toBe(`/customers/${id}`);
    const customer = await http().get(`/customers/${id}`).expect(200);
    // Its ETag answers If-None-Match with 304 while the customer is unchanged.
    const etag = customer.headers.etag;
    expect(etag).toBe('"1"');
    expect((await http().get(`/customers/${id}`).set('If-None-Match', etag)).status).toBe(304);
    expect(customer.headers.etag).toBe('"1"');
    expect(customer.body).toEqual({
      id,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      documentNumber: 'XY123456',
      status: 'ACTIVE',
      openAccounts: 0,
      version: 1,
    });
  });

  it('answers 404 CUSTOMER_NOT_FOUND for an unknown customer and 400 INVALID_ID for a malformed id', async () => {
    const missing = await http().get('/customers/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f').expect(404);
    expect(missing.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    await http().get('/customers/not-a-uuid').expect(400);
    const unregister = await http()
      .post('/customers/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/unregister')
      .expect(404);
    expect(unregister.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
  });

  it('refuses a second customer with the same document number in another spelling: 409 DOCUMENT_ALREADY_REGISTERED', async () => {
    await register(valid('CD-555 001')).expect(201);
    const again = await register(valid(' cd555001 ')).expect(409);
    expect(again.body).toMatchObject({ code: 'DOCUMENT_ALREADY_REGISTERED' });
    expect(JSON.stringify(again.body)).not.toContain('CD555001'); // personal data stays out
  });

  it('changes contact details; an unchanged repeat writes nothing', async () => {
    const id = await registerCustomer(http);
    const changed = await http()
      .post(`/customers/${id}/contact-details`)
      .send({ name: 'Ada King', email: 'ada.king@example.com' })
      .expect(200);
    expect(changed.body).toMatchObject({ id, version: 2 });
    const repeat = await http()
      .post(`/customers/${id}/contact-details`)
      .send({ name: 'Ada King', email: 'ada.king@example.com' })
      .expect(200);
    expect(repeat.body).toEqual({ id, version: 2, position: null });
    const stale = await http()
      .post(`/customers/${id}/contact-details`)
      .set('If-Match', '"1"')
      .send({ name: 'Ada', email: 'ada@example.com' })
      .expect(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    expect((await http().get(`/customers/${id}`)).body).toMatchObject({
      name: 'Ada King',
      email: 'ada.king@example.com',
    });
  });

  it('unregisters a customer without accounts; the document number can then be registered again', async () => {
    const documentNumber = uniqueDocumentNumber();
    const id = await registerCustomer(http, documentNumber);
    const done = await http().post(`/customers/${id}/unregister`).expect(200);
    expect(done.body).toMatchObject({ id, version: 2 });
    expect((await http().get(`/customers/${id}`)).body).toMatchObject({ status: 'UNREGISTERED' });
    const twice = await http().post(`/customers/${id}/unregister`).expect(404);
    expect(twice.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
    await register(valid(documentNumber.toLowerCase())).expect(201);
  });

  it('opening an account needs an active customer; one with open accounts cannot unregister until they are closed', async () => {
    const api = accountsApi(first.baseUrl);
    const missing = await http()
      .post('/accounts')
      .send({ customerId: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f', currency: 'EUR' })
      .expect(404);
    expect(missing.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });

    const customerId = await registerCustomer(http);
    const accountId = await api.open('EUR', customerId);
    expect((await http().get(`/customers/${customerId}`)).body).toMatchObject({ openAccounts: 1 });
    const refused = await http().post(`/customers/${customerId}/unregister`).expect(409);
    expect(refused.body).toMatchObject({ code: 'CUSTOMER_HAS_OPEN_ACCOUNTS' });

    await http().post(`/accounts/${accountId}/close`).expect(200);
    await http().post(`/customers/${customerId}/unregister`).expect(200);
    const afterwards = await http()
      .post('/accounts')
      .send({ customerId, currency: 'EUR' })
      .expect(404);
    expect(afterwards.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
  });

  it('lists the accounts of a customer, and 404 for a customer never registered', async () => {
    const api = accountsApi(first.baseUrl);
    const customerId = await registerCustomer(http);
    const accounts = [await api.open('EUR', customerId), await api.open('USD', customerId)];
    await eventually(async () => {
      const page = await http().get(`/customers/${customerId}/accounts`).expect(200);
      const ids = (page.body as { items: { id: string }[] }).items.map((item) => item.id);
      expect(ids).toEqual(accounts);
    }, 15_000);
    const missing = await http()
      .get('/customers/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/accounts')
      .expect(404);
    expect(missing.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
  });

  it('searches customers by name or email prefix with keyset paging, waiting for the write with X-Min-Position', async () => {
    const tag = `zq${Date.now().toString(36)}`;
    let position = '0';
    for (let i = 0; i < 5; i++) {
      const response = await register({
        name: `${tag} Person ${i}`,
        email: `${tag}${i}@example.com`,
        documentNumber: uniqueDocumentNumber(),
      }).expect(201);
      position = (response.body as { position: string }).position;
    }
    await register({
      name: 'Someone Else',
      email: `${tag.toUpperCase()}-mail@example.com`,
      documentNumber: uniqueDocumentNumber(),
    }).expect(201);
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await http()
        .get('/customers')
        .set('X-Min-Position', position)
        .query({ query: tag.toUpperCase(), limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      const body = page.body as { items: { name: string }[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      names.push(...body.items.map((item) => item.name));
      cursor = body.nextCursor;
    } while (cursor);
    await eventually(async () => {
      const all = await http().get('/customers').query({ query: tag, limit: 200 }).expect(200);
      expect((all.body as { items: unknown[] }).items).toHaveLength(6);
    }, 15_000);
    // In the order they registered, not the order of their (random) ids.
    expect(names.filter((name) => name.startsWith(tag))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${tag} Person ${i}`),
    );
    // LIKE wildcards are literal: "%" matches nobody.
    const wildcard = await http().get('/customers').query({ query: '%' }).expect(200);
    expect((wildcard.body as { items: unknown[] }).items).toEqual([]);
    await http().get('/customers').query({ cursor: 'bogus' }).expect(400);
  });

  it.each([
    ['an empty name', { name: '', email: 'a@example.com', documentNumber: 'AB1234' }, 'name'],
    ['a blank name', { name: '   ', email: 'a@example.com', documentNumber: 'AB1234' }, 'name'],
    ['a malformed email', { name: 'A', email: 'not-an-email', documentNumber: 'AB1234' }, 'email'],
    [
      'illegal characters',
      { name: 'A', email: 'a@example.com', documentNumber: 'AB#1234' },
      'documentNumber',
    ],
    [
      'a too short number',
      { name: 'A', email: 'a@example.com', documentNumber: 'A-1 2' },
      'documentNumber',
    ],
    [
      'a too long number',
      { name: 'A', email: 'a@example.com', documentNumber: 'A'.repeat(33) },
      'documentNumber',
    ],
    ['a missing number', { name: 'A', email: 'a@example.com' }, 'documentNumber'],
    ['an unknown field', { ...valid(), vip: true }, 'vip'],
  ])('refuses %s with 400 problem+json and changes nothing', async (_label, body, field) => {
    const before = await eventCount();
    const response = await register(body).expect(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const fields = (response.body as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toContain(field);
    expect(await eventCount()).toBe(before);
  });
});

describeOnServer('customers under concurrency', () => {
  it('50 concurrent registrations of one document number in different spellings: one 201, 49 x 409', async () => {
    const responses = await Promise.all(
      spellings('900001', 50).map((documentNumber) => register(valid(documentNumber))),
    );
    expect(statusCounts(responses.map((r) => r.status))).toEqual({ 201: 1, 409: 49 });
    for (const response of responses.filter((r) => r.status === 409))
      expect(response.body).toMatchObject({ code: 'DOCUMENT_ALREADY_REGISTERED' });
  });

  it('the same with two app instances on one database', async () => {
    const responses = await Promise.all(
      spellings('900002', 50).map((documentNumber, i) =>
        register(valid(documentNumber), i % 2 ? second.baseUrl : first.baseUrl),
      ),
    );
    expect(statusCounts(responses.map((r) => r.status))).toEqual({ 201: 1, 409: 49 });
    // The number is stored sealed and its reservation under a keyed hash: one reservation
    // stream, reserved once, and one customer registered with it (read as the app reads).
    const reservations = await database.dataSource.query<{ stream_id: string; n: number }[]>(
      `SELECT stream_id, count(*)::int AS n FROM es_events
        WHERE type = 'DocumentNumberReserved' AND stream_id LIKE 'customer-document-%'
          AND data->>'customerId' IN (
            SELECT data->>'customerId' FROM es_events WHERE type = 'CustomerRegistered')
        GROUP BY stream_id`,
    );
    const registered = await Promise.all(
      reservations.map(async ({ stream_id }) =>
        (await eventStoreOf(first).readStream(stream_id)).map((event) => event.data.documentNumber),
      ),
    );
    expect(registered.flat().filter((number) => number === 'AB900002')).toHaveLength(1);
    for (const { stream_id } of reservations)
      expect(stream_id).toMatch(/^customer-document-[0-9a-f]{64}$/);
  });

  it('50 rounds racing "open account" against "unregister": never an open account for an unregistered customer', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 50; round++) {
      const customerId = await registerCustomer(http);
      const [opened, unregistered] = await Promise.all([
        httpApi(round % 2 ? second.baseUrl : first.baseUrl)
          .post('/accounts')
          .send({ customerId, currency: 'EUR' }),
        httpApi(round % 2 ? first.baseUrl : second.baseUrl).post(
          `/customers/${customerId}/unregister`,
        ),
      ]);
      // Every request gets a clear answer: exactly one of the two wins.
      expect([opened.status, unregistered.status].sort()).toEqual(
        opened.status === 201 ? [201, 409] : [200, 404],
      );
      if (opened.status === 201)
        expect(unregistered.body).toMatchObject({ code: 'CUSTOMER_HAS_OPEN_ACCOUNTS' });
      else expect(opened.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
      outcomes.push(opened.status === 201 ? 'opened' : 'unregistered');
    }
    // The book of record agrees: no AccountOpened for a customer who ends unregistered.
    const orphans = await database.dataSource.query(
      `SELECT a.stream_id FROM es_events a
        WHERE a.type = 'AccountOpened'
          AND NOT EXISTS (SELECT 1 FROM es_events x
                           WHERE x.stream_id = a.stream_id AND x.type = 'AccountClosed')
          AND EXISTS (SELECT 1 FROM es_events c
                       WHERE c.stream_id = 'customer-' || (a.data->>'customerId')
                         AND c.type = 'CustomerUnregistered')`,
    );
    expect(orphans).toEqual([]);
    console.info(
      `[open vs unregister] ${outcomes.filter((o) => o === 'opened').length} opened first, ${outcomes.filter((o) => o === 'unregistered').length} unregistered first`,
    );
  });
});
