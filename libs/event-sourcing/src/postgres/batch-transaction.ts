import { createHash } from 'node:crypto';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { AppendConnection, NamedStatement, StatementOptions } from './append-writer';
import { isDatabaseUnavailable, pgErrorDetails } from './pg-errors';

const DUPLICATE_PREPARED_STATEMENT = '42P05';
const UNDEFINED_PREPARED_STATEMENT = '26000';

/**
 * The statements each pooled session has prepared (SQL `PREPARE`): a session keeps them until
 * it ends, so each is prepared once per connection and planned by the server like any
 * prepared statement. Kept per session, not per store: two stores on one pool share sessions.
 */
const preparedBySession = new WeakMap<PoolClient, Set<string>>();

/**
 * The name a statement is prepared under in a session: its own, and a digest of its text, so
 * a session holding another text under that name (another version of this code, another
 * store's four-round-trip statements, which bear the plain name) is never run by mistake.
 * Remembered per statement object (the writer's statements are constants): a key made of the
 * name and the text would be a new string of several kB on every call, hashed in full to be
 * looked up (about 10 µs a call, two calls in a lone append).
 */
const sessionNames = new WeakMap<NamedStatement, string>();
function sessionName(statement: NamedStatement): string {
  let prepared = sessionNames.get(statement);
  if (prepared === undefined) {
    const digest = createHash('sha256').update(statement.text).digest('hex').slice(0, 12);
    prepared = `${statement.name}_${digest}`;
    sessionNames.set(statement, prepared);
  }
  return prepared;
}

/**
 * Prepares on `client` those of `statements` it does not hold yet. Run outside a transaction:
 * a PREPARE that fails inside one would abort it.
 */
async function prepare(client: PoolClient, statements: readonly NamedStatement[]): Promise<void> {
  const held = preparedBySession.get(client) ?? new Set<string>();
  preparedBySession.set(client, held);
  for (const statement of statements) {
    const name = sessionName(statement);
    if (held.has(name)) continue;
    try {
      await client.query(`PREPARE ${name} AS ${statement.text}`);
    } catch (error) {
      // Already there, with this very text (the name says so): prepared by another connection
      // of a session they share (the embedded server).
      if (pgErrorDetails(error).code !== DUPLICATE_PREPARED_STATEMENT) throw error;
    }
    held.add(name);
  }
}

/** Whether `error` is a session's answer to a prepared statement it no longer holds. */
export function lostPreparedStatement(error: unknown): boolean {
  return pgErrorDetails(error).code === UNDEFINED_PREPARED_STATEMENT;
}

/** How many round trips a group commit's transaction takes (see BatchTransaction). */
export type AppendRoundTrips = 2 | 4;

/**
 * Where a failed transaction stopped: before its COMMIT ran (nothing written), in the COMMIT
 * (refused, or lost with the session: see the error), or unknown (a statement failed and the
 * session was lost before it said which).
 */
export type CommitPhase = 'before-commit' | 'commit' | 'unknown';

/**
 * A group commit's transaction in two round trips instead of four: BEGIN travels with the
 * first statement and COMMIT with the statement the writer marks `last`, each pair as one
 * simple-protocol message (`BEGIN; EXECUTE …` and `EXECUTE …; COMMIT`), the statements
 * themselves prepared once per session, before any BEGIN. PostgreSQL runs a message's
 * statements in order and stops at the first error, so a failed statement never lets its
 * COMMIT run. A lone writer waits on each round trip; at this machine's 0.07 ms each, two of
 * them were a sixth of an append. Values travel as SQL literals (dollar-quoted), so the plan
 * is the prepared one.
 */
export class BatchTransaction implements AppendConnection {
  private begun = false;
  private committed = false;
  /** Whether a COMMIT has been sent: its failure may leave the outcome unknown. */
  private commitSent = false;

  constructor(
    private readonly client: PoolClient,
    /** Every statement the transaction may run, prepared before its BEGIN. */
    private readonly statements: readonly NamedStatement[],
  ) {}

  async query<Row extends QueryResultRow = QueryResultRow>(
    name: string | undefined,
    text: string,
    values: readonly unknown[],
    options: StatementOptions = {},
  ): Promise<Row[]> {
    const statement = this.statements.find(
      (candidate) => candidate.name === name && candidate.text === text,
    );
    if (!statement)
      throw new Error(`BatchTransaction runs only the statements it prepares, not ${name}`);
    if (this.committed) throw new Error('the transaction has already committed');
    const opening = !this.begun;
    if (opening) await prepare(this.client, this.statements);
    const statements = [`EXECUTE ${sessionName(statement)}(${values.map(literal).join(', ')})`];
    if (opening) statements.unshift('BEGIN');
    if (options.last) statements.push('COMMIT');
    this.begun = true;
    this.commitSent = options.last === true;
    let results: QueryResult<Row>[];
    try {
      results = toResults(await this.client.query<Row>(statements.join('; ')));
    } catch (error) {
      // Deallocated behind this process's back: prepared again on the session's next use.
      if (lostPreparedStatement(error)) preparedBySession.delete(this.client);
      throw error;
    }
    if (options.last) this.committed = true;
    return results[opening ? 1 : 0].rows;
  }

  /** Commits, unless the last statement already carried the COMMIT. */
  async commit(): Promise<void> {
    if (this.committed || !this.begun) return;
    this.commitSent = true;
    await this.client.query('COMMIT');
    this.committed = true;
  }

  /**
   * Where `error`, thrown by this transaction, struck. Before a COMMIT was sent: before it. A
   * lost session after that: in the COMMIT (its outcome unknown). A server's error with the
   * session alive is told apart by the transaction's state, which the server reports when it
   * is ready again: still open (failed) means a statement failed and the COMMIT never ran;
   * idle means the COMMIT ran and was refused.
   */
  async phaseOf(error: unknown): Promise<CommitPhase> {
    if (!this.commitSent) return 'before-commit';
    if (isDatabaseUnavailable(error)) return 'commit';
    try {
      // An empty query runs nothing, even in a failed transaction; its answer carries the
      // session's transaction state ('E': failed, 'T': open, 'I': idle).
      await this.client.query('');
    } catch {
      return 'unknown';
    }
    const status = this.client.getTransactionStatus();
    return status === 'E' || status === 'T' ? 'before-commit' : 'commit';
  }
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return dollarQuoted(value);
  throw new TypeError(`no SQL literal for a ${typeof value}`);
}

/**
 * `text` as a dollar-quoted constant: nothing inside needs escaping, whatever the server's
 * `standard_conforming_strings`, so a batch's JSON is searched for the delimiter instead of
 * copied character by character (pg's escapeLiteral took 1.3 ms for the 139 kB of a batch of
 * 64 appends of 10 events; this takes a few µs). The tag is one the text does not contain,
 * even with the closing `$` after it (text ending in `$ll` would close `$ll$` early).
 */
export function dollarQuoted(text: string): string {
  const searched = `${text}$`;
  let tag = 'll';
  for (let n = 0; searched.includes(`$${tag}$`); n++) tag = `ll${n}`;
  return `$${tag}$${text}$${tag}$`;
}

/** pg answers one result per statement of a multi-statement message. */
function toResults<Row extends QueryResultRow>(
  answer: QueryResult<Row> | QueryResult<Row>[],
): QueryResult<Row>[] {
  return Array.isArray(answer) ? answer : [answer];
}
