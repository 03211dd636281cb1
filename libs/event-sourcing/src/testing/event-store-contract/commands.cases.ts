import { DuplicateCommandError } from '../../core/errors';
import { AppendResult, CommandAppend, CommandRecord } from '../../core/event-store.port';
import { ExpectedVersion } from '../../core/expected-version';
import {
  ContractStore,
  counted,
  countedEvents,
  expectVersionConflict,
  metadata,
  newCommandId,
  newStreamId,
  options,
  streamWith,
  versionsOf,
} from './fixtures';

/** A command whose result says what its own append was: its version and how many events. */
const command = (id = newCommandId()): CommandRecord => ({
  id,
  result: (appended: AppendResult) => ({
    version: appended.nextExpectedVersion,
    events: appended.events.length,
  }),
});

const commandAppend = (ns: number[], id = newCommandId()): CommandAppend => ({
  events: countedEvents(...ns),
  metadata: metadata(),
  command: command(id),
});

/** Command records (a repeat is refused and answers its first result) and appendCommands. */
export function commandCases(store: ContractStore): void {
  describe('command records', () => {
    it('records the result with the events and answers it from findCommandResult', async () => {
      const record = command();
      const appended = await store().appendToStream(
        newStreamId('command'),
        'no_stream',
        countedEvents(1, 2),
        { ...options(), command: record },
      );
      expect(appended.commandResult).toEqual({ version: 2, events: 2 });
      expect(await store().findCommandResult(record.id)).toEqual({ version: 2, events: 2 });
    });

    it('knows no result for a command never recorded', async () => {
      expect(await store().findCommandResult(newCommandId())).toBeUndefined();
    });

    it.each<[string, ExpectedVersion]>([
      ['at the version the stream is now at', 1],
      ['at the version it expected the first time', 'no_stream'],
      ['with no expectation', 'any'],
    ])(
      'refuses a repeat %s with DuplicateCommandError, writes nothing, keeps the first result',
      async (_, expected) => {
        const streamId = newStreamId('repeat');
        const record = command();
        await store().appendToStream(streamId, 'no_stream', [counted(1)], {
          ...options(),
          command: record,
        });
        const repeat = store().appendToStream(streamId, expected, [counted(2)], {
          ...options(),
          command: record,
        });
        await expect(repeat).rejects.toBeInstanceOf(DuplicateCommandError);
        await expect(repeat).rejects.toMatchObject({
          commandId: record.id,
          code: 'DUPLICATE_COMMAND',
        });
        expect(versionsOf(await store().readStream(streamId))).toEqual([1]);
        expect(await store().findCommandResult(record.id)).toEqual({ version: 1, events: 1 });
      },
    );

    it('refuses a repeat on another stream: a command id is recorded once in the whole store', async () => {
      const record = command();
      await store().appendToStream(newStreamId('first'), 'no_stream', [counted(1)], {
        ...options(),
        command: record,
      });
      const elsewhere = newStreamId('elsewhere');
      await expect(
        store().appendToStream(elsewhere, 'no_stream', [counted(1)], {
          ...options(),
          command: record,
        }),
      ).rejects.toMatchObject({ commandId: record.id, code: 'DUPLICATE_COMMAND' });
      expect(await store().readStream(elsewhere)).toEqual([]);
    });
  });

  describe('appendCommands', () => {
    it('commits several commands as one append: one result per command, each its own', async () => {
      const streamId = newStreamId('commands');
      const [a, b] = [commandAppend([1, 2]), commandAppend([3])];
      const results = await store().appendCommands(streamId, 'no_stream', [a, b]);

      expect(results).toHaveLength(2);
      expect(results.map((result) => result.streamId)).toEqual([streamId, streamId]);
      expect(results.map((result) => versionsOf(result.events))).toEqual([[1, 2], [3]]);
      expect(results.map((result) => result.nextExpectedVersion)).toEqual([2, 3]);
      expect(results.map((result) => result.commandResult)).toEqual([
        { version: 2, events: 2 },
        { version: 3, events: 1 },
      ]);
      results.forEach((result, index) => {
        const last = result.events[result.events.length - 1];
        expect(result.lastPosition).toEqual({
          transactionId: last.transactionId,
          globalPosition: last.globalPosition,
        });
        for (const event of result.events) expect(event.metadata).toEqual([a, b][index].metadata);
      });
      expect(await store().findCommandResult(a.command.id)).toEqual({ version: 2, events: 2 });
      expect(await store().findCommandResult(b.command.id)).toEqual({ version: 3, events: 1 });
      const read = await store().readStream(streamId);
      expect(read.map((event) => [event.streamVersion, event.metadata.commandId])).toEqual([
        [1, a.metadata.commandId],
        [2, a.metadata.commandId],
        [3, b.metadata.commandId],
      ]);
    });

    it('checks the expected version once, for the whole batch', async () => {
      const streamId = await streamWith(store(), 'batch', 1);
      const results = await store().appendCommands(streamId, 1, [
        commandAppend([2]),
        commandAppend([3]),
      ]);
      expect(results.map((result) => result.nextExpectedVersion)).toEqual([2, 3]);
    });

    it('all or nothing: a wrong expected version writes no event and records no command', async () => {
      const streamId = await streamWith(store(), 'batch-conflict', 1);
      const batch = [commandAppend([2]), commandAppend([3])];
      await expectVersionConflict(store().appendCommands(streamId, 'no_stream', batch), {
        streamId,
        expected: 'no_stream',
        actual: 1,
      });
      expect(versionsOf(await store().readStream(streamId))).toEqual([1]);
      for (const { command: record } of batch)
        expect(await store().findCommandResult(record.id)).toBeUndefined();
    });

    it('all or nothing: one recorded command refuses the batch with DuplicateCommandError naming it', async () => {
      const recorded = newCommandId();
      await store().appendToStream(newStreamId('recorded'), 'no_stream', [counted(1)], {
        ...options(),
        command: command(recorded),
      });
      const streamId = newStreamId('batch-repeat');
      const fresh = commandAppend([1]);
      await expect(
        store().appendCommands(streamId, 'no_stream', [fresh, commandAppend([2], recorded)]),
      ).rejects.toMatchObject({ commandId: recorded, code: 'DUPLICATE_COMMAND' });
      expect(await store().readStream(streamId)).toEqual([]);
      expect(await store().findCommandResult(fresh.command.id)).toBeUndefined();
    });

    it('all or nothing: a command id named twice in one batch is refused with DuplicateCommandError', async () => {
      const streamId = newStreamId('batch-twice');
      const id = newCommandId();
      const twice = [commandAppend([1], id), commandAppend([2], id)];
      await expect(store().appendCommands(streamId, 'no_stream', twice)).rejects.toMatchObject({
        commandId: id,
        code: 'DUPLICATE_COMMAND',
      });
      expect(await store().readStream(streamId)).toEqual([]);
      expect(await store().findCommandResult(id)).toBeUndefined();
    });

    it('refuses no commands, or a command without events, with a RangeError, writing nothing', async () => {
      const streamId = newStreamId('batch-empty');
      await expect(store().appendCommands(streamId, 'no_stream', [])).rejects.toThrow(RangeError);
      const empty = commandAppend([]);
      await expect(
        store().appendCommands(streamId, 'no_stream', [commandAppend([1]), empty]),
      ).rejects.toThrow(RangeError);
      expect(await store().readStream(streamId)).toEqual([]);
      expect(await store().findCommandResult(empty.command.id)).toBeUndefined();
    });
  });
}
