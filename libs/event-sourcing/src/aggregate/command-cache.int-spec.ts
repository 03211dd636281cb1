import { randomUUID } from 'node:crypto';
import {
  AggregateRepository,
  AggregateType,
  CommandExecutor,
  CommandExecutorOptions,
  DEFAULT_RETRY_POLICY,
  EventMetadata,
  EventStore,
  Projection,
  WrongExpectedVersionError,
} from '../index';
import { PostgresEventStore } from '../postgres';
import { openTestDatabase, TestDatabase } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

// A small account: a balance that refuses overdrafts, and a freeze that is a no-op when
// already frozen (the "nothing to do" decision).
type AccountEvent =
  | { readonly type: 'Deposited'; readonly data: { amount: number } }
  | { readonly type: 'Withdrawn'; readonly data: { amount: number } }
  | { readonly type: 'Frozen'; readonly data: Record<string, never> }
  | { readonly type: 'Unfrozen'; readonly data: Record<string, never> };
interface Account {
  readonly balance: number;
  readonly frozen: boolean;
}
const accountType: AggregateType<Account, AccountEvent> = {
  eventTypes: ['Deposited', 'Withdrawn', 'Frozen', 'Unfrozen'],
  initialState: () => ({ balance: 0, frozen: false }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'Deposited':
        return { ...state, balance: state.balance + event.data.amount };
      case 'Withdrawn':
        return { ...state, balance: state.balance - event.data.amount };
      case 'Frozen':
        return { ...state, frozen: true };
      case 'Unfrozen':
        return { ...state, frozen: false };
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },
};

class InsufficientFundsError extends Error {
  readonly code = 'INSUFFICIENT_FUNDS';
}

const deposit =
  (amount: number) =>
  (_: Account): AccountEvent[] => [{ type: 'Deposited', data: { amount } }];
const withdraw =
  (amount: number) =>
  (state: Account): AccountEvent[] => {
    if (amount > state.balance)
      throw new InsufficientFundsError(`balance ${state.balance} does not cover ${amount}`);
    return [{ type: 'Withdrawn', data: { amount } }];
  };
const freeze = (state: Account): AccountEvent[] =>
  state.frozen ? [] : [{ type: 'Frozen', data: {} }];
const unfreeze = (state: Account): AccountEvent[] =>
  state.frozen ? [{ type: 'Unfrozen', data: {} }] : [];

type Outcome = { balance: number; frozen: boolean; version: number };

const metadata = (commandId: string): EventMetadata => testMetadata({ commandId });
const stream = (): string => `account-${randomUUID()}`;

let database: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  database = await openTestDatabase('command_cache');
  store = new PostgresEventStore(database.dataSource);
});
afterAll(() => database.close());

/**
 * One application process: its own repository and executor (so its own cache) on the
 * shared store. `loads` counts the stream loads it made: a command decided on the cache
 * makes none.
 */
function startProcess(options: CommandExecutorOptions = {}, on: EventStore = store) {
  const repository = new AggregateRepository(on, accountType);
  const load = jest.spyOn(repository, 'load');
  const executor = new CommandExecutor(on, repository, options);
  return {
    executor,
    loads: () => load.mock.calls.length,
    run: (
      streamId: string,
      decide: (state: Account) => AccountEvent[],
      command: { commandId?: string; expectedVersion?: number } = {},
    ): Promise<Outcome> => {
      const commandId = command.commandId ?? randomUUID();
      return executor.execute({
        streamId,
        commandId,
        metadata: metadata(commandId),
        expectedVersion: command.expectedVersion,
        decide,
        result: ({ state, version }) => ({ ...state, version }),
      });
    },
  };
}

/** The stream as stored: what each event did, in version order. */
async function history(streamId: string): Promise<string[]> {
  const events = await store.readStream(streamId);
  events.forEach((e, i) => expect(e.streamVersion).toBe(i + 1));
  return events.map((e) => {
    const amount = e.data.amount;
    return typeof amount === 'number' ? `${e.type} ${amount}` : e.type;
  });
}

describe('CommandExecutor cache: a stale cache is caught by the append', () => {
  it("decides on its own last commit without a load, and after another process's write reloads at the right version", async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, deposit(100));
    expect(await a.run(id, deposit(10))).toEqual({ balance: 110, frozen: false, version: 2 });
    expect(a.loads()).toBe(1); // only the first command, on a stream A had never written

    await b.run(id, deposit(50));
    // A's cache says version 2, balance 110: the append expecting 2 conflicts, A reloads.
    expect(await a.run(id, deposit(5))).toEqual({ balance: 165, frozen: false, version: 4 });
    expect(a.executor.stats).toEqual({ conflicts: 1, retriesExhausted: 0 });
    expect(a.loads()).toBe(2);
    expect(await history(id)).toEqual([
      'Deposited 100',
      'Deposited 10',
      'Deposited 50',
      'Deposited 5',
    ]);

    // The reload's commit is cached again: the next command needs no load.
    await a.run(id, deposit(1));
    expect(a.loads()).toBe(2);
    expect(a.executor.stats.conflicts).toBe(1);
  });

  it('never lets a withdrawal decided on a stale balance overdraw the account', async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, deposit(100));
    await b.run(id, withdraw(100));
    // A's cache still says 100: the withdrawal is decided there, conflicts, and is refused
    // on the fresh balance of 0.
    await expect(a.run(id, withdraw(50))).rejects.toBeInstanceOf(InsufficientFundsError);
    expect(a.executor.stats.conflicts).toBe(1);
    expect(await history(id)).toEqual(['Deposited 100', 'Withdrawn 100']);
  });
});

describe('CommandExecutor cache: commands that queue up on one stream', () => {
  it("decides concurrent commands after another process's write on the fresh state, each with its own result", async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, deposit(100));
    await b.run(id, deposit(50));
    // All sent at once to A, whose cache is behind: the first is decided on the cache, the
    // others wait for it; none may be decided on the stale balance of 100.
    const [covered, ...rest] = await Promise.allSettled([
      a.run(id, withdraw(120)),
      ...[1, 2, 3, 4, 5].map(() => a.run(id, deposit(1))),
      a.run(id, withdraw(200)),
    ]);
    expect(covered).toEqual({
      status: 'fulfilled',
      value: { balance: 30, frozen: false, version: 3 },
    });
    const deposits = rest.slice(0, 5);
    expect(deposits).toEqual(
      [4, 5, 6, 7, 8].map((version) => ({
        status: 'fulfilled',
        value: { balance: 30 + version - 3, frozen: false, version },
      })),
    );
    const overdraft = rest[5];
    expect(overdraft.status).toBe('rejected');
    if (overdraft.status === 'rejected')
      expect(overdraft.reason).toBeInstanceOf(InsufficientFundsError);
    expect(await history(id)).toEqual([
      'Deposited 100',
      'Deposited 50',
      'Withdrawn 120',
      ...Array.from({ length: 5 }, () => 'Deposited 1'),
    ]);
    expect((await a.run(id, withdraw(35))).balance).toBe(0);
  });
});

describe('CommandExecutor cache: refusals and no-ops decided on the cache are decided again', () => {
  it('does not surface a refusal that only the stale cached balance justifies', async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, deposit(100));
    await b.run(id, deposit(50));
    // Refused on A's cached 100; the fresh 150 covers it.
    expect(await a.run(id, withdraw(120))).toEqual({ balance: 30, frozen: false, version: 3 });
    expect(a.executor.stats.conflicts).toBe(0); // re-decided before any append: no conflict
    expect(await history(id)).toEqual(['Deposited 100', 'Deposited 50', 'Withdrawn 120']);

    // A refusal that the fresh state confirms is surfaced, and nothing is written.
    await expect(a.run(id, withdraw(1000))).rejects.toBeInstanceOf(InsufficientFundsError);
    expect(await history(id)).toHaveLength(3);
  });

  it("re-decides a 'nothing to do' from the stale cache on the fresh state", async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, freeze);
    await b.run(id, unfreeze);
    // A's cache says frozen (nothing to do); the account is not frozen any more.
    expect(await a.run(id, freeze)).toEqual({ balance: 0, frozen: true, version: 3 });
    expect(await history(id)).toEqual(['Frozen', 'Unfrozen', 'Frozen']);

    // Nothing to do on the fresh state too: answered from it, nothing appended.
    expect(await a.run(id, freeze)).toEqual({ balance: 0, frozen: true, version: 3 });
    expect(await history(id)).toHaveLength(3);
    expect(a.executor.stats.conflicts).toBe(0);
  });
});

describe('CommandExecutor cache: If-Match', () => {
  it('accepts an expected version equal to the real current one although the cache is behind', async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, deposit(100));
    await b.run(id, deposit(50));
    // A's cache is at version 1; the client saw version 2, which is the truth.
    expect(await a.run(id, withdraw(30), { expectedVersion: 2 })).toEqual({
      balance: 120,
      frozen: false,
      version: 3,
    });
    expect(await history(id)).toEqual(['Deposited 100', 'Deposited 50', 'Withdrawn 30']);
  });

  it("refuses an expected version equal to the stale cache's, and is not re-decided", async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, deposit(100));
    await b.run(id, deposit(50));
    // The client's version 1 matches A's cache, not the stream.
    const attempt = a.run(id, withdraw(30), { expectedVersion: 1 });
    await expect(attempt).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(attempt).rejects.toMatchObject({ streamId: id, expected: 1 });
    expect(await history(id)).toEqual(['Deposited 100', 'Deposited 50']);

    await expect(a.run(id, withdraw(30), { expectedVersion: 1 })).rejects.toMatchObject({
      expected: 1,
      actual: 2,
    });
    expect((await a.run(id, withdraw(30), { expectedVersion: 2 })).version).toBe(3);
  });
});

describe('CommandExecutor cache: repeated commands', () => {
  it('returns the first result and appends nothing, on the process that ran it and on another', async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    await a.run(id, deposit(100));
    const withdrawal = randomUUID();
    const first = await a.run(id, withdraw(80), { commandId: withdrawal });
    expect(first).toEqual({ balance: 20, frozen: false, version: 2 });
    await b.run(id, withdraw(15));

    // Deciding again would refuse (80 > 5, and 80 > A's cached 20): the recorded result wins.
    expect(await a.run(id, withdraw(80), { commandId: withdrawal })).toEqual(first);
    expect(await b.run(id, withdraw(80), { commandId: withdrawal })).toEqual(first);
    expect(await history(id)).toEqual(['Deposited 100', 'Withdrawn 80', 'Withdrawn 15']);

    // Deciding again would append (a deposit): the append's command-id guard refuses it.
    const depositId = randomUUID();
    const deposited = await a.run(id, deposit(7), { commandId: depositId });
    expect(deposited).toEqual({ balance: 12, frozen: false, version: 4 });
    expect(await a.run(id, deposit(7), { commandId: depositId })).toEqual(deposited);
    expect(await b.run(id, deposit(7), { commandId: depositId })).toEqual(deposited);
    expect(await history(id)).toEqual([
      'Deposited 100',
      'Withdrawn 80',
      'Withdrawn 15',
      'Deposited 7',
    ]);
    expect(a.executor.stats.conflicts + b.executor.stats.conflicts).toBe(0);
  });

  it('returns the first result of a repeat even when a stale cache would append it at an old version', async () => {
    const a = startProcess();
    const b = startProcess();
    const id = stream();
    const depositId = randomUUID();
    const first = await a.run(id, deposit(100), { commandId: depositId });
    await b.run(id, deposit(1));
    // A's cache is at version 1: the repeat is both a duplicate and a stale append.
    expect(await a.run(id, deposit(100), { commandId: depositId })).toEqual(first);
    expect(await history(id)).toEqual(['Deposited 100', 'Deposited 1']);
  });

  // Guards a regression of commit 3b33c69: a repeat is now found by the append's guard
  // (DuplicateCommandError) instead of a lookup before deciding, and the executor replayed
  // the recorded result only `if (attempt < maxAttempts)`, so with a single attempt the
  // DuplicateCommandError reached the caller.
  it.each([
    ['the process that ran it (decided on its cache)', true],
    ['another process (decided on a fresh load)', false],
  ])(
    'returns the first result of a repeat with a one-attempt retry policy, on %s',
    async (_, sameProcess) => {
      const policy = { retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } };
      const a = startProcess(policy);
      const b = startProcess(policy);
      const id = stream();
      const depositId = randomUUID();
      const first = await a.run(id, deposit(100), { commandId: depositId });
      const repeater = sameProcess ? a : b;
      await expect(repeater.run(id, deposit(100), { commandId: depositId })).resolves.toEqual(
        first,
      );
      expect(await history(id)).toEqual(['Deposited 100']);
    },
  );
});

describe('CommandExecutor cache: size', () => {
  it('with cachedStreams 0 caches nothing: every command loads', async () => {
    const uncached = startProcess({ cachedStreams: 0 });
    const cached = startProcess();
    const [one, two] = [stream(), stream()];
    for (let i = 0; i < 5; i++) {
      await uncached.run(one, deposit(1));
      await cached.run(two, deposit(1));
    }
    expect(uncached.loads()).toBe(5);
    expect(cached.loads()).toBe(1);
    expect((await uncached.run(one, deposit(1))).balance).toBe(6);
    expect(uncached.loads()).toBe(6);
  });

  it('keeps the cachedStreams most recently written streams and loads the others', async () => {
    const app = startProcess({ cachedStreams: 2 });
    const [s1, s2, s3] = [stream(), stream(), stream()];
    for (const id of [s1, s2, s3]) await app.run(id, deposit(1));
    expect(app.loads()).toBe(3);

    // s1 was dropped for s3; s2 and s3 are kept.
    await app.run(s3, deposit(1));
    await app.run(s2, deposit(1));
    expect(app.loads()).toBe(3);
    await app.run(s1, deposit(1)); // drops s3, written least recently
    expect(app.loads()).toBe(4);
    await app.run(s2, deposit(1));
    expect(app.loads()).toBe(4);
    expect((await app.run(s3, deposit(1))).balance).toBe(3);
    expect(app.loads()).toBe(5);
  });
});

describe('CommandExecutor cache: on a store with inline projections', () => {
  // Guards a regression of commit 3b33c69. A store with inline projections appends in one
  // transaction per append (appendInTransaction), which checks the expected version first
  // and records the command id only after the events. A repeat decided on a stale cache
  // therefore fails as a version conflict, not as DuplicateCommandError, and with If-Match
  // the executor surfaced that conflict, where it used to look the command id up first and
  // return the first result. The group-committed store checks the command id first
  // (the append statement's guard), so the same sequence returns the first result there.
  const noOp: Projection = {
    name: 'command-cache-inline-noop',
    eventTypes: ['Deposited'],
    tables: [],
    lifecycle: 'inline',
    apply: () => Promise.resolve(),
  };

  it.each([
    ['group-committed', false],
    ['with an inline projection', true],
  ])(
    'returns the first result of a repeat with If-Match decided on a stale cache (store %s)',
    async (_, inline) => {
      const on = inline
        ? new PostgresEventStore(database.dataSource, { inlineProjections: [noOp] })
        : store;
      const a = startProcess({}, on);
      const b = startProcess({}, on);
      const id = stream();
      await b.run(id, deposit(100)); // B caches version 1
      const depositId = randomUUID();
      const first = await a.run(id, deposit(50), { commandId: depositId, expectedVersion: 1 });
      expect(first).toEqual({ balance: 150, frozen: false, version: 2 });

      // The client did not get the answer and sends the same request again; it reaches B,
      // whose cache is at the version the client saw.
      await expect(
        b.run(id, deposit(50), { commandId: depositId, expectedVersion: 1 }),
      ).resolves.toEqual(first);
      expect(await history(id)).toEqual(['Deposited 100', 'Deposited 50']);
    },
  );
});
