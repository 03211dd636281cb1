import { WrongExpectedVersionError } from '../core/errors';
import { NewEvent } from '../core/event';
import { AppendResult } from '../core/event-store.port';
import { JsonValue } from '../core/json';
import { testMetadata } from '../../test/test-metadata';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';
import { InMemoryEventStore } from '../../test/in-memory-event-store';
import {
  CommandExecution,
  decideCommand,
  expectedVersionOf,
  recordOf,
  snapshotFor,
} from './stream-command';

type Added = NewEvent<'Added'>;
const added: Added = { type: 'Added', data: {} };

function command(
  decide: (count: number) => readonly Added[],
  expectedVersion?: number,
): CommandExecution<number, Added, JsonValue> {
  return {
    streamId: 'counter-1',
    commandId: 'command-1',
    metadata: testMetadata({ commandId: 'command-1' }),
    expectedVersion,
    decide,
    result: ({ state, version, position }) => ({
      count: state,
      version,
      position: position ? String(position.globalPosition) : null,
    }),
  };
}

const at = (version: number, snapshotVersion = 0): LoadedAggregate<number, Added> => ({
  state: version,
  version,
  events: [],
  snapshotVersion,
});

describe('decideCommand', () => {
  it('appends what the command decides', () => {
    expect(
      decideCommand(
        command(() => [added, added]),
        at(3),
      ),
    ).toEqual({
      kind: 'append',
      events: [added, added],
    });
  });

  it('has nothing to do when the command decides no event', () => {
    expect(
      decideCommand(
        command(() => []),
        at(3),
      ),
    ).toEqual({ kind: 'nothing' });
  });

  it('refuses with the domain error the command throws, without throwing it', () => {
    const error = new Error('insufficient funds');
    const decision = decideCommand(
      command(() => {
        throw error;
      }),
      at(3),
    );
    expect(decision).toEqual({ kind: 'refused', error });
  });

  it('refuses an If-Match of another version without deciding, and decides on a match', () => {
    const decide = jest.fn(() => [added]);
    const decision = decideCommand(command(decide, 2), at(3));
    expect(decision.kind).toBe('refused');
    if (decision.kind === 'refused') {
      expect(decision.error).toBeInstanceOf(WrongExpectedVersionError);
      expect(decision.error).toMatchObject({ streamId: 'counter-1', expected: 2, actual: 3 });
    }
    expect(decide).not.toHaveBeenCalled();
    expect(decideCommand(command(decide, 3), at(3)).kind).toBe('append');
  });
});

describe('expectedVersionOf', () => {
  it('expects no stream for version 0, else the version read', () => {
    expect(expectedVersionOf(0)).toBe('no_stream');
    expect(expectedVersionOf(7)).toBe(7);
  });
});

describe('recordOf', () => {
  it("records the command's id, and its result from the state it left and the append", () => {
    const record = recordOf(
      command(() => [added]),
      4,
    );
    const appended: AppendResult = {
      streamId: 'counter-1',
      nextExpectedVersion: 4,
      lastPosition: { transactionId: 9n, globalPosition: 42n },
      events: [],
    };
    expect(record.id).toBe('command-1');
    expect(record.result(appended)).toEqual({ count: 4, version: 4, position: '42' });
  });
});

describe('snapshotFor', () => {
  const repository = (every?: number) =>
    new AggregateRepository<number, Added>(
      new InMemoryEventStore(),
      { eventTypes: ['Added'], initialState: () => 0, evolve: (count) => count + 1 },
      every === undefined
        ? undefined
        : { schemaVersion: 2, every, toJson: (count) => ({ count }), fromJson: () => undefined },
    );

  it('writes none without a snapshot policy', () => {
    expect(snapshotFor(repository(), at(0), 100, 100)).toBeUndefined();
  });

  it('writes the state after the append once `every` events followed the last snapshot', () => {
    expect(snapshotFor(repository(5), at(3), 4, 4)).toBeUndefined();
    expect(snapshotFor(repository(5), at(3), 5, 5)).toEqual({
      state: { count: 5 },
      schemaVersion: 2,
    });
    expect(snapshotFor(repository(5), at(7, 5), 9, 9)).toBeUndefined();
  });

  it('replaces an unusable stored snapshot with the next append', () => {
    expect(snapshotFor(repository(5), at(3, -1), 4, 4)).toEqual({
      state: { count: 4 },
      schemaVersion: 2,
    });
  });
});
