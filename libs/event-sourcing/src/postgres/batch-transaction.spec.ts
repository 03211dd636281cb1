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

describe('BatchTransaction, the names statements are prepared under', () => {
  /** A session that records what it is sent and answers every message. */
  function recordingSession() {
    const sent: string[] = [];
    const session = {
      query: (text: string) => {
        sent.push(text);
        // `BEGIN; EXECUTE …` answers one result per statement.
        return Promise.resolve(
          text.startsWith('PREPARE') ? { rows: [] } : [{ rows: [] }, { rows: [] }],
        );
      },
    };
    return { sent, client: session as unknown as PoolClient };
  }
  const preparedName = (text: string) => /^PREPARE (\S+) AS /.exec(text)?.[1];
  const executedName = (text: string) => /EXECUTE (\S+)\(/.exec(text)?.[1];

  it('runs each statement under a name that carries a digest of its text, prepared once per session', async () => {
    const first = { name: 'ledgerline_names', text: 'SELECT $1::text' };
    const other = { name: 'ledgerline_names', text: 'SELECT $1::text || $1::text' };
    const { sent, client } = recordingSession();
    for (const statement of [first, first, other]) {
      await new BatchTransaction(client, [statement]).query(statement.name, statement.text, ['x']);
    }
    const prepared = sent.map(preparedName).filter((name) => name !== undefined);
    const executed = sent.map(executedName).filter((name) => name !== undefined);
    // The same name, two texts: two prepared statements, never one run for the other.
    expect(prepared).toHaveLength(2);
    expect(new Set(prepared).size).toBe(2);
    prepared.forEach((name) => expect(name).toMatch(/^ledgerline_names_[0-9a-f]{12}$/));
    expect(executed).toEqual([prepared[0], prepared[0], prepared[1]]);
    // An equal statement made anew (another store, another import) maps to the same name.
    const again = { ...first };
    await new BatchTransaction(client, [again]).query(again.name, again.text, ['x']);
    expect(sent.filter((text) => text.startsWith('PREPARE'))).toHaveLength(2);
    expect(executedName(sent[sent.length - 1])).toBe(prepared[0]);
  });
});
