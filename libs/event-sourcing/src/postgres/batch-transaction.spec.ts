import type { PoolClient } from 'pg';
import { BatchTransaction, dollarQuoted } from './batch-transaction';

describe('dollarQuoted', () => {
  it('wraps text in a tag it does not contain', () => {
    expect(dollarQuoted('{"a":1}')).toBe('$ll${"a":1}$ll$');
    expect(dollarQuoted('x $ll$ y')).toBe('$ll0$x $ll$ y$ll0$');
    expect(dollarQuoted('$ll$ and $ll0$')).toBe('$ll1$$ll$ and $ll0$$ll1$');
    // The closing delimiter must not complete a tag the text ends with.
    expect(dollarQuoted('x$ll')).toBe('$ll0$x$ll$ll0$');
  });
});

describe('BatchTransaction.phaseOf', () => {
  /** A session that answers the COMMIT-carrying message with `failure`, then reports `status`. */
  async function phaseAfter(
    failure: Error & { code?: string },
    status: 'I' | 'T' | 'E' | null,
    emptyQuery: 'answers' | 'fails' = 'answers',
  ) {
    let sent = 0;
    const session = {
      query: (text: string) => {
        sent++;
        if (text === '')
          return emptyQuery === 'answers'
            ? Promise.resolve({ rows: [] })
            : Promise.reject(new Error('Connection terminated'));
        if (text.startsWith('PREPARE')) return Promise.resolve({ rows: [] });
        if (text.endsWith('COMMIT')) return Promise.reject(failure);
        return Promise.resolve([{ rows: [] }, { rows: [] }]);
      },
      getTransactionStatus: () => status,
    };
    const statement = { name: 'ledgerline_test', text: 'SELECT $1::jsonb' };
    const transaction = new BatchTransaction(session as unknown as PoolClient, [statement]);
    await transaction.query(statement.name, statement.text, ['{}']);
    const caught = await transaction
      .query(statement.name, statement.text, ['{}'], { last: true })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(caught).toBe(failure);
    return { phase: await transaction.phaseOf(failure), sent };
  }
  const serverError = () => Object.assign(new Error('duplicate key'), { code: '23505' });

  it('a failed transaction after a server error: the COMMIT never ran', async () => {
    expect((await phaseAfter(serverError(), 'E')).phase).toBe('before-commit');
  });

  it('an idle session after a server error: the COMMIT ran and was refused', async () => {
    expect((await phaseAfter(serverError(), 'I')).phase).toBe('commit');
  });

  it('a lost session after the COMMIT was sent: the COMMIT, outcome unknown', async () => {
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {});
    expect((await phaseAfter(lost, 'T')).phase).toBe('commit');
  });

  it('a server error, then the session lost before it said which statement failed: unknown', async () => {
    expect((await phaseAfter(serverError(), 'T', 'fails')).phase).toBe('unknown');
  });
});
