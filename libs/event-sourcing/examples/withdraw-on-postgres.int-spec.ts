import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { openTestDatabase, TestDatabase } from '../test/test-database';
import { testMetadata } from '../test/test-metadata';
import { withdraw } from './withdraw-on-postgres';

describe('the README example: a withdrawal appended to PostgreSQL', () => {
  let database: TestDatabase;
  const walletId = randomUUID();

  beforeAll(async () => {
    database = await openTestDatabase('readme_example');
    await new PostgresEventStore(database.dataSource).appendToStream(
      `wallet-${walletId}`,
      'no_stream',
      [
        { type: 'WalletOpened', data: { owner: 'ada' } },
        { type: 'MoneyDeposited', data: { amount: 500 } },
      ],
      { metadata: testMetadata() },
    );
  });
  afterAll(() => database.close());

  it('withdraws, answers a repeat with the first result, and refuses an overdraft', async () => {
    const commandId = randomUUID();
    expect(await withdraw(database.dataSource, walletId, 300, commandId)).toEqual({
      balance: 200,
      version: 3,
    });
    expect(await withdraw(database.dataSource, walletId, 300, commandId)).toEqual({
      balance: 200,
      version: 3,
    });
    await expect(withdraw(database.dataSource, walletId, 201)).rejects.toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    });
  });

  it('lets racing withdrawals take the balance once, never below zero', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => withdraw(database.dataSource, walletId, 50)),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(4);
    expect(
      await withdraw(database.dataSource, walletId, 1).catch((e: { code: string }) => e.code),
    ).toBe('INSUFFICIENT_FUNDS');
  });
});
