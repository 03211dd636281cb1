import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { accountsApi } from './support/accounts-api';
import { startTestApp } from './support/test-app';
import { describeOnServer, openTestDatabase, TestDatabase } from './support/test-database';

/**
 * DATABASE_APPEND_ROUND_TRIPS reaches the app's event store: with 2 (the default) a deposit's
 * append goes as `BEGIN; EXECUTE …` with its values in the text; with 4 the append statement
 * goes alone, its values as bind parameters, and no statement's text carries the deposit.
 */
describeOnServer('DATABASE_APPEND_ROUND_TRIPS in the running app', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('append_round_trips');
  });
  afterAll(() => database.close());

  /** The text of every statement pg is asked to send while a deposit with `reference` runs. */
  async function sentDuringDeposit(env: NodeJS.ProcessEnv, reference: string): Promise<string[]> {
    const app = await startTestApp(database, env);
    const sent: string[] = [];
    const original = Client.prototype.query;
    try {
      const api = accountsApi(app.baseUrl);
      const account = await api.open();
      Client.prototype.query = function (this: Client, ...args: unknown[]): unknown {
        const [first] = args;
        sent.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text));
        return Reflect.apply(original, this, args);
      } as unknown as typeof original;
      await api
        .http()
        .post(`/accounts/${account}/deposits`)
        .send({ amount: 5, reference })
        .expect(201);
    } finally {
      Client.prototype.query = original;
      await app.close();
    }
    return sent;
  }

  it('2 (the default): BEGIN travels with the append, the values in its text', async () => {
    const reference = `two-${randomBytes(6).toString('hex')}`;
    const sent = await sentDuringDeposit({}, reference);
    const append = sent.find((text) => text.startsWith('BEGIN; EXECUTE ledgerline_append_'));
    expect(append).toContain(reference);
  });

  it('4: the append goes alone with bind parameters; no statement text carries the deposit', async () => {
    const reference = `four-${randomBytes(6).toString('hex')}`;
    const sent = await sentDuringDeposit({ DATABASE_APPEND_ROUND_TRIPS: '4' }, reference);
    expect(sent.some((text) => /^\s*WITH input AS/.test(text))).toBe(true);
    expect(sent.filter((text) => text.includes('EXECUTE ledgerline_'))).toEqual([]);
    expect(sent.filter((text) => text.includes(reference))).toEqual([]);
  });
});
