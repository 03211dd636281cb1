import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { LookupHash } from '../src/personal-data/document-lookup';
import { uniqueDocumentNumber } from './support/accounts-api';
import { httpApi } from './support/api';
import { eventually } from './support/eventually';
import { expectCleanProblem } from './support/problem-assertions';
import { useTestApp } from './support/test-app';
import { mintToken } from './support/tokens';

const context = useTestApp('personal_data_export');

interface Person {
  id: string;
  name: string;
  email: string;
  documentNumber: string;
}

interface ExportBody {
  customerId: string;
  status: string;
  erased: boolean;
  fields: { field: string; value: string; source: Record<string, unknown> }[];
  readModels: { table: string; fields: Record<string, string | null> }[];
}

/** Values no other test data contains, so a search of a body for them proves presence. */
const unique = (label: string): string => `${label}${randomBytes(6).toString('hex')}`;
const staff = () => httpApi(context.app.baseUrl);
const exportOf = (id: string, token?: string) =>
  token === undefined
    ? request(context.app.baseUrl).get(`/customers/${id}/personal-data`)
    : httpApi(context.app.baseUrl, token).get(`/customers/${id}/personal-data`);

async function register(documentNumber = uniqueDocumentNumber()): Promise<Person> {
  const person = { name: unique('Name'), email: `${unique('mail')}@example.com`, documentNumber };
  const response = await staff().post('/customers').send(person).expect(201);
  return { id: (response.body as { id: string }).id, ...person };
}

const reservationStream = async (documentNumber: string): Promise<string> =>
  `customer-document-${await context.app.app.get(LookupHash).of(documentNumber)}`;

/** A source as the export names it; the recording instant is any ISO-8601 timestamp. */
const source = (streamId: string, streamVersion: number, eventType: string) => ({
  kind: 'event',
  streamId,
  streamVersion,
  eventType,
  recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
});

let a: Person;
let changedA: { name: string; email: string };
let b: Person;
let tokens: Record<'teller' | 'auditor' | 'admin' | 'customerA' | 'customerB', string>;

beforeAll(async () => {
  a = await register();
  changedA = { name: unique('Renamed'), email: `${unique('new')}@example.com` };
  await staff().post(`/customers/${a.id}/contact-details`).send(changedA).expect(200);
  b = await register();
  tokens = {
    teller: await mintToken({ roles: ['teller'] }),
    auditor: await mintToken({ roles: ['auditor'] }),
    admin: await mintToken({ roles: ['admin'] }),
    customerA: await mintToken({ roles: ['customer'], customerId: a.id }),
    customerB: await mintToken({ roles: ['customer'], customerId: b.id }),
  };
});

/** The teller's export of A once the read model shows A's contact-details change. */
async function settledExportOfA(): Promise<ExportBody> {
  let body: ExportBody | undefined;
  await eventually(async () => {
    const response = await exportOf(a.id, tokens.teller).expect(200);
    body = response.body as ExportBody;
    expect(body.readModels[0]?.fields.name).toBe(changedA.name);
  });
  return body!;
}

describe('GET /customers/:id/personal-data', () => {
  it('lists every value A gave, with its event, and A’s read-model row', async () => {
    const body = await settledExportOfA();
    const stream = `customer-${a.id}`;
    expect(body).toEqual({
      customerId: a.id,
      status: 'ACTIVE',
      erased: false,
      fields: [
        { field: 'name', value: a.name, source: source(stream, 1, 'CustomerRegistered') },
        { field: 'email', value: a.email, source: source(stream, 1, 'CustomerRegistered') },
        {
          field: 'documentNumber',
          value: a.documentNumber,
          source: source(stream, 1, 'CustomerRegistered'),
        },
        {
          field: 'name',
          value: changedA.name,
          source: source(stream, 2, 'CustomerContactDetailsChanged'),
        },
        {
          field: 'email',
          value: changedA.email,
          source: source(stream, 2, 'CustomerContactDetailsChanged'),
        },
        {
          field: 'documentNumber',
          value: a.documentNumber,
          source: source(await reservationStream(a.documentNumber), 1, 'DocumentNumberReserved'),
        },
      ],
      readModels: [
        {
          table: 'customer_summaries',
          fields: { ...changedA, documentNumber: a.documentNumber },
        },
      ],
    });
    const text = JSON.stringify(body);
    for (const value of [b.id, b.name, b.email, b.documentNumber])
      expect(text).not.toContain(value);
  });

  it('answers the customer themselves and an auditor with the same export', async () => {
    const byTeller = await settledExportOfA();
    expect((await exportOf(a.id, tokens.customerA).expect(200)).body).toEqual(byTeller);
    expect((await exportOf(a.id, tokens.auditor).expect(200)).body).toEqual(byTeller);
  });

  it('answers another customer 404, an admin 403 and no token 401', async () => {
    expectCleanProblem(await exportOf(a.id, tokens.customerB), 404, 'CUSTOMER_NOT_FOUND');
    expectCleanProblem(await exportOf(a.id, tokens.admin), 403, 'FORBIDDEN');
    expect((await exportOf(a.id)).status).toBe(401);
  });

  it('answers 404 for a customer never registered and 400 INVALID_ID for a malformed id', async () => {
    const missing = await exportOf('6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f', tokens.teller);
    expectCleanProblem(missing, 404, 'CUSTOMER_NOT_FOUND');
    expectCleanProblem(await exportOf('not-a-uuid', tokens.teller), 400, 'INVALID_ID');
  });

  it('keeps a released number’s next holder out of the previous holder’s export', async () => {
    const first = await register();
    await staff().post(`/customers/${first.id}/unregister`).expect(200);
    const next = await register(first.documentNumber);
    const reservation = await reservationStream(first.documentNumber);
    const fromReservation = async (id: string) =>
      ((await exportOf(id, tokens.teller).expect(200)).body as ExportBody).fields
        .filter((field) => field.source.streamId === reservation)
        .map((field) => [field.source.streamVersion, field.source.eventType]);
    expect(await fromReservation(first.id)).toEqual([
      [1, 'DocumentNumberReserved'],
      [2, 'DocumentNumberReleased'],
    ]);
    expect(await fromReservation(next.id)).toEqual([[3, 'DocumentNumberReserved']]);
    const firstExport = (await exportOf(first.id, tokens.teller).expect(200)).body as ExportBody;
    expect(firstExport.status).toBe('UNREGISTERED');
    expect(JSON.stringify(firstExport)).not.toContain(next.name);
  });

  it('after erasure reports erased, no fields and the emptied row, and none of A’s values', async () => {
    await settledExportOfA();
    await httpApi(context.app.baseUrl, tokens.teller).post(`/customers/${a.id}/erase`).expect(202);
    await eventually(async () => {
      const body = (await exportOf(a.id, tokens.teller).expect(200)).body as ExportBody;
      expect(body).toEqual({
        customerId: a.id,
        status: 'ERASED',
        erased: true,
        fields: [],
        readModels: [
          {
            table: 'customer_summaries',
            fields: { name: null, email: null, documentNumber: null },
          },
        ],
      });
    });
    const text = JSON.stringify((await exportOf(a.id, tokens.customerA).expect(200)).body);
    for (const value of [a.name, a.email, a.documentNumber, changedA.name, changedA.email])
      expect(text).not.toContain(value);
  });
});
