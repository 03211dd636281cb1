import { randomUUID } from 'node:crypto';
import {
  ConcurrencyRetriesExhaustedError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { NewEvent } from '../core/event';
import { testMetadata } from '../../test/test-metadata';
import { AfterConflict, CommandAttempts, DecideAndAppend, Decided } from './decide-and-append';
import { InMemoryEventStore } from '../../test/in-memory-event-store';
import { RetryPolicy } from './retry-policy';
import { expectedVersionOf } from './stream-command';

const added: NewEvent = { type: 'Added', data: {} };

/** What the command decides on the version it read: to add an event, nothing, or a refusal. */
type Rule = (version: number) => 'add' | 'nothing' | Error;

interface Scenario {
  readonly commandId?: string;
  readonly rule?: Rule;
  /** How many of its appends another writer beats (by appending first). Default 0. */
  readonly beaten?: number;
  /** What follows each conflict, by attempt. Default: the backoff. */
  readonly afterConflict?: (attempt: number) => AfterConflict;
  readonly lookUpFirst?: boolean;
  /** Replaces the append (to fail it in ways the store would not). */
  readonly append?: (attempt: number) => Promise<number>;
}

/**
 * A rule with a counter stream on an in-memory store. Backoffs are recorded, not waited, and
 * Math.random is 0.5: the wait after attempt n is half of min(maxDelayMs, baseDelayMs * 2^n).
 */
function harness(retryPolicy: Partial<RetryPolicy> = {}) {
  const store = new InMemoryEventStore();
  const streamId = `counter-${randomUUID()}`;
  const heard: string[] = [];
  const waits: number[] = [];
  const rule = new DecideAndAppend(
    store,
    {
      retryPolicy: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 1000, ...retryPolicy },
      observer: {
        conflicted: (commandId, stream) => heard.push(`conflicted ${commandId} ${stream}`),
        retriesExhausted: (commandId, stream) =>
          heard.push(`retriesExhausted ${commandId} ${stream}`),
        replayed: (commandId) => heard.push(`replayed ${commandId}`),
      },
    },
    (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  );
  const appendAs = (commandId: string, expected: number | 'any'): Promise<number> =>
    store
      .appendToStream(streamId, expected === 'any' ? 'any' : expectedVersionOf(expected), [added], {
        metadata: testMetadata({ commandId }),
        command: { id: commandId, result: (done) => done.nextExpectedVersion },
      })
      .then((appended) => appended.commandResult as number);
  /** Another writer: one event under a fresh command id. */
  const rival = (): Promise<number> => appendAs(randomUUID(), 'any');

  /** Runs the scenario; `attempts` lists the attempt numbers the rule made. */
  const run = (scenario: Scenario = {}) => {
    const commandId = scenario.commandId ?? randomUUID();
    const attempts: number[] = [];
    let beaten = scenario.beaten ?? 0;
    const command: CommandAttempts<number> = {
      commandId,
      lookUpFirst: scenario.lookUpFirst,
      attempt: (attempt): Promise<Decided<number>> => {
        attempts.push(attempt);
        const version = store.versionOf(streamId);
        const decided = (scenario.rule ?? (() => 'add'))(version);
        if (decided instanceof Error) return Promise.resolve({ kind: 'refused', error: decided });
        if (decided === 'nothing')
          return Promise.resolve({ kind: 'nothing', answer: () => -version });
        return Promise.resolve({
          kind: 'append',
          append: async () => {
            if (scenario.append) return scenario.append(attempt);
            if (beaten-- > 0) await rival();
            return appendAs(commandId, version);
          },
          afterConflict: () => scenario.afterConflict?.(attempt) ?? 'backoff',
        });
      },
    };
    return { commandId, attempts, result: rule.run(command) };
  };
  return { store, streamId, heard, waits, rule, rival, appendAs, run };
}

beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(0.5));
afterEach(() => jest.restoreAllMocks());

describe('DecideAndAppend: version conflicts', () => {
  it('decides again on a fresh load after each conflict, with backoff, until the append lands', async () => {
    const h = harness();
    const { commandId, attempts, result } = h.run({ beaten: 2 });
    // Two rival events, then its own at version 3.
    await expect(result).resolves.toBe(3);
    expect(attempts).toEqual([1, 2, 3]);
    expect(h.waits).toEqual([10, 20]); // half of 10 * 2^1, half of 10 * 2^2
    expect(h.rule.stats).toEqual({ conflicts: 2, retriesExhausted: 0 });
    expect(h.heard).toEqual([
      `conflicted ${commandId} ${h.streamId}`,
      `conflicted ${commandId} ${h.streamId}`,
    ]);
    expect(h.store.versionOf(h.streamId)).toBe(3);
  });

  it("decides again without waiting when the attempt says 'at-once'", async () => {
    const h = harness();
    const { result } = h.run({
      beaten: 2,
      afterConflict: (n) => (n === 1 ? 'at-once' : 'backoff'),
    });
    await expect(result).resolves.toBe(3);
    expect(h.waits).toEqual([20]);
  });

  it('never decides again a conflict the attempt refuses (If-Match): the conflict is thrown', async () => {
    const h = harness();
    const { attempts, result } = h.run({ beaten: 1, afterConflict: () => 'refuse' });
    await expect(result).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(result).rejects.toMatchObject({ streamId: h.streamId, expected: 'no_stream' });
    expect(attempts).toEqual([1]);
    expect(h.waits).toEqual([]);
    expect(h.rule.stats).toEqual({ conflicts: 1, retriesExhausted: 0 });
    expect(h.store.versionOf(h.streamId)).toBe(1); // the rival's event only
  });

  it('gives up after maxAttempts with ConcurrencyRetriesExhaustedError, without waiting after the last', async () => {
    const h = harness({ maxAttempts: 3 });
    const { commandId, attempts, result } = h.run({ beaten: Infinity });
    await expect(result).rejects.toBeInstanceOf(ConcurrencyRetriesExhaustedError);
    await expect(result).rejects.toMatchObject({ streamId: h.streamId, attempts: 3 });
    expect(attempts).toEqual([1, 2, 3]);
    expect(h.waits).toEqual([10, 20]);
    expect(h.rule.stats).toEqual({ conflicts: 3, retriesExhausted: 1 });
    expect(h.heard.slice(-2)).toEqual([
      `conflicted ${commandId} ${h.streamId}`,
      `retriesExhausted ${commandId} ${h.streamId}`,
    ]);
  });

  it('throws any other append failure at once, without looking anything up', async () => {
    const h = harness();
    const lookUps = jest.spyOn(h.store, 'findCommandResult');
    const { attempts, result } = h.run({ append: () => Promise.reject(new Error('disk full')) });
    await expect(result).rejects.toThrow('disk full');
    expect(attempts).toEqual([1]);
    expect(lookUps).not.toHaveBeenCalled();
    expect(h.rule.stats).toEqual({ conflicts: 0, retriesExhausted: 0 });
  });

  it('counts a conflict of an append carrying several commands once, telling the observer of each', () => {
    const h = harness();
    h.rule.conflicted('hot', ['a', 'b']);
    expect(h.rule.stats).toEqual({ conflicts: 1, retriesExhausted: 0 });
    expect(h.heard).toEqual(['conflicted a hot', 'conflicted b hot']);
  });
});

describe('DecideAndAppend: answers without an append', () => {
  it('throws a refusal, and answers a no-op, of a command never recorded', async () => {
    const h = harness();
    const refusal = new Error('insufficient funds');
    await expect(h.run({ rule: () => refusal }).result).rejects.toBe(refusal);
    await h.rival();
    await expect(h.run({ rule: () => 'nothing' }).result).resolves.toBe(-1);
    expect(h.heard).toEqual([]);
  });

  it('throws what an attempt throws (a failed load), unretried', async () => {
    const h = harness();
    const command: CommandAttempts<number> = {
      commandId: randomUUID(),
      attempt: () => Promise.reject(new Error('connection lost')),
    };
    await expect(h.rule.run(command)).rejects.toThrow('connection lost');
  });
});

describe('DecideAndAppend: a repeat of a recorded command gets its first result', () => {
  /** The command ran once (result 1), then another writer moved the stream on. */
  async function recorded(retryPolicy: Partial<RetryPolicy> = {}) {
    const h = harness(retryPolicy);
    const commandId = randomUUID();
    await expect(h.run({ commandId }).result).resolves.toBe(1);
    await h.rival();
    return { h, commandId };
  }

  it.each([
    ['decides to append again (the append refuses it as a duplicate)', 'add'],
    ['is refused on the state its first run left', new Error('already done')],
    ['has nothing to do on the state its first run left', 'nothing'],
  ] as const)('when it %s', async (_, decision) => {
    const { h, commandId } = await recorded();
    const { attempts, result } = h.run({ commandId, rule: () => decision });
    await expect(result).resolves.toBe(1);
    expect(attempts).toEqual([1]);
    expect(h.heard).toEqual([`replayed ${commandId}`]);
    expect(h.store.versionOf(h.streamId)).toBe(2); // nothing appended again
  });

  it('when the duplicate is refused on its last attempt (maxAttempts 1)', async () => {
    const { h, commandId } = await recorded({ maxAttempts: 1 });
    await expect(h.run({ commandId }).result).resolves.toBe(1);
    expect(h.heard).toEqual([`replayed ${commandId}`]);
  });

  it.each([
    ['a refused (If-Match) conflict', 5, 'refuse'],
    ['exhausted retries', 1, 'backoff'],
  ] as const)(
    'when the same command commits meanwhile and its append reports %s',
    async (_, maxAttempts, afterConflict) => {
      // An append path without the command-id guard (a store with inline projections) reports
      // the conflict first.
      const h = harness({ maxAttempts });
      const commandId = randomUUID();
      const { result } = h.run({
        commandId,
        afterConflict: () => afterConflict,
        append: async () => {
          await h.appendAs(commandId, 'any'); // the same command, on another instance
          throw new WrongExpectedVersionError(h.streamId, 'no_stream', 1);
        },
      });
      await expect(result).resolves.toBe(1);
      expect(h.heard).toEqual([`conflicted ${commandId} ${h.streamId}`, `replayed ${commandId}`]);
      expect(h.rule.stats.retriesExhausted).toBe(0);
    },
  );

  it('asks before every attempt with lookUpFirst, and then decides nothing', async () => {
    const { h, commandId } = await recorded();
    const { attempts, result } = h.run({ commandId, lookUpFirst: true });
    await expect(result).resolves.toBe(1);
    expect(attempts).toEqual([]);
    expect(h.heard).toEqual([`replayed ${commandId}`]);
  });

  it('retries a DuplicateCommandError whose record it cannot see, and throws it on the last attempt', async () => {
    const h = harness({ maxAttempts: 2 });
    const invisible = (): Promise<number> => Promise.reject(new DuplicateCommandError('invisible'));
    const once = h.run({ append: (n) => (n === 1 ? invisible() : h.appendAs(randomUUID(), 0)) });
    await expect(once.result).resolves.toBe(1);
    expect(once.attempts).toEqual([1, 2]);
    expect(h.waits).toEqual([]); // not a conflict: no backoff, nothing counted
    expect(h.rule.stats.conflicts).toBe(0);

    const always = h.run({ append: invisible });
    await expect(always.result).rejects.toBeInstanceOf(DuplicateCommandError);
    expect(always.attempts).toEqual([1, 2]);
  });
});

describe('DecideAndAppend: holds', () => {
  it("leaves the hold after 'hold-more' and decides again in a new one, counting attempts across holds", async () => {
    const h = harness();
    const holds: number[] = [];
    let attempt = 0;
    const command: CommandAttempts<number> = {
      commandId: randomUUID(),
      hold: async (attempts) => {
        holds.push(attempt);
        return attempts();
      },
      attempt: (n) => {
        attempt = n;
        const version = h.store.versionOf(h.streamId);
        return Promise.resolve({
          kind: 'append',
          append: async () => {
            if (n < 3) await h.rival();
            return h.appendAs(randomUUID(), version);
          },
          afterConflict: () => (n === 1 ? 'hold-more' : 'backoff'),
        });
      },
    };
    await expect(h.rule.run(command)).resolves.toBe(3);
    expect(holds).toEqual([0, 1]); // the second hold starts after attempt 1
    expect(attempt).toBe(3);
    expect(h.waits).toEqual([20]); // only after attempt 2, in the same hold
  });

  it('runs out of attempts across holds', async () => {
    const h = harness({ maxAttempts: 2 });
    let holds = 0;
    const command: CommandAttempts<number> = {
      commandId: randomUUID(),
      hold: (attempts) => {
        holds++;
        return attempts();
      },
      attempt: () =>
        Promise.resolve({
          kind: 'append',
          append: () => Promise.reject(new WrongExpectedVersionError(h.streamId, 1, 2)),
          afterConflict: () => 'hold-more',
        }),
    };
    await expect(h.rule.run(command)).rejects.toMatchObject({ attempts: 2 });
    expect(holds).toBe(2);
  });
});
