import {
  ContractStore,
  counted,
  countedEvents,
  described,
  expectVersionConflict,
  isBefore,
  metadata,
  newCommandId,
  newStreamId,
  options,
  streamWith,
  versionsOf,
} from './fixtures';

/** appendToStream: each kind of expected version, refusals that write nothing, RangeErrors. */
export function appendToStreamCases(store: ContractStore): void {
  describe('appendToStream', () => {
    it('no_stream: starts the stream at version 1 and numbers its events in order', async () => {
      const streamId = newStreamId('new');
      const meta = metadata();
      const appended = await store().appendToStream(streamId, 'no_stream', countedEvents(1, 2), {
        metadata: meta,
      });

      expect(appended.streamId).toBe(streamId);
      expect(appended.nextExpectedVersion).toBe(2);
      expect(appended.commandResult).toBeUndefined();
      expect(appended.events.map((event) => [event.streamVersion, event.data])).toEqual([
        [1, { n: 1 }],
        [2, { n: 2 }],
      ]);
      for (const event of appended.events) {
        expect(event).toMatchObject({ streamId, type: 'ContractCounted', schemaVersion: 1 });
        expect(event.metadata).toEqual(meta);
        expect(event.recordedAt).toBeInstanceOf(Date);
      }
      const [first, last] = appended.events;
      expect(first.eventId).not.toBe(last.eventId);
      expect(isBefore(first, last)).toBe(true);
      expect(appended.lastPosition).toEqual({
        transactionId: last.transactionId,
        globalPosition: last.globalPosition,
      });
      expect((await store().readStream(streamId)).map(described)).toEqual(
        appended.events.map(described),
      );
    });

    it('no_stream: refuses a stream that exists, with its actual version, writing nothing', async () => {
      const streamId = await streamWith(store(), 'exists', 2);
      await expectVersionConflict(
        store().appendToStream(streamId, 'no_stream', [counted(9)], options()),
        { streamId, expected: 'no_stream', actual: 2 },
      );
      expect(versionsOf(await store().readStream(streamId))).toEqual([1, 2]);
    });

    it('a version: appends after exactly that version, later in the log', async () => {
      const streamId = newStreamId('version');
      const first = await store().appendToStream(streamId, 0, countedEvents(1, 2), options());
      const second = await store().appendToStream(streamId, 2, [counted(3)], options());
      expect(second.nextExpectedVersion).toBe(3);
      expect(versionsOf(second.events)).toEqual([3]);
      expect(isBefore(first.lastPosition, second.lastPosition)).toBe(true);
      expect(versionsOf(await store().readStream(streamId))).toEqual([1, 2, 3]);
    });

    it('version 0 means the stream does not exist yet', async () => {
      const streamId = await streamWith(store(), 'zero', 1);
      await expectVersionConflict(store().appendToStream(streamId, 0, [counted(2)], options()), {
        streamId,
        expected: 0,
        actual: 1,
      });
    });

    it.each([
      ['behind the stream', 1],
      ['ahead of the stream (an append never leaves a gap)', 5],
    ])('a version %s is refused, writing nothing', async (_, expected) => {
      const streamId = await streamWith(store(), 'stale', 2);
      await expectVersionConflict(
        store().appendToStream(streamId, expected, [counted(9)], options()),
        { streamId, expected, actual: 2 },
      );
      expect(versionsOf(await store().readStream(streamId))).toEqual([1, 2]);
    });

    it('stream_exists: refuses a stream that does not exist (actual 0), appends to one that does', async () => {
      const streamId = newStreamId('exists');
      await expectVersionConflict(
        store().appendToStream(streamId, 'stream_exists', [counted(1)], options()),
        { streamId, expected: 'stream_exists', actual: 0 },
      );
      expect(await store().readStream(streamId)).toEqual([]);

      await store().appendToStream(streamId, 'no_stream', [counted(1)], options());
      const appended = await store().appendToStream(
        streamId,
        'stream_exists',
        [counted(2)],
        options(),
      );
      expect(appended.nextExpectedVersion).toBe(2);
    });

    it('any: appends whether or not the stream exists', async () => {
      const streamId = newStreamId('any');
      await store().appendToStream(streamId, 'any', [counted(1)], options());
      const appended = await store().appendToStream(streamId, 'any', [counted(2)], options());
      expect(appended.nextExpectedVersion).toBe(2);
      expect(versionsOf(await store().readStream(streamId))).toEqual([1, 2]);
    });

    it('a refused append records nothing: no events, no command, no snapshot', async () => {
      const streamId = newStreamId('refused');
      await store().appendToStream(streamId, 'no_stream', [counted(1)], {
        ...options(),
        snapshot: { state: { total: 1 }, schemaVersion: 1 },
      });
      const commandId = newCommandId();
      const attempt = {
        ...options(),
        command: { id: commandId, result: () => 'first' },
        snapshot: { state: { total: 99 }, schemaVersion: 1 },
      };

      await expectVersionConflict(store().appendToStream(streamId, 7, [counted(9)], attempt), {
        streamId,
        expected: 7,
        actual: 1,
      });
      expect(versionsOf(await store().readStream(streamId))).toEqual([1]);
      expect(await store().findCommandResult(commandId)).toBeUndefined();
      expect(await store().readSnapshot(streamId)).toEqual({
        streamVersion: 1,
        schemaVersion: 1,
        state: { total: 1 },
      });
      // The command id was not taken: the same command may still go in.
      const retried = await store().appendToStream(streamId, 1, [counted(2)], attempt);
      expect(retried.commandResult).toBe('first');
    });

    it('refuses an empty append with a RangeError; the stream still does not exist', async () => {
      const streamId = newStreamId('empty');
      await expect(store().appendToStream(streamId, 'no_stream', [], options())).rejects.toThrow(
        RangeError,
      );
      expect(await store().readStream(streamId)).toEqual([]);
      await store().appendToStream(streamId, 'no_stream', [counted(1)], options());
    });

    it.each([-1, 1.5])(
      'refuses the expected version %p, which no stream can be at, with a RangeError',
      async (expected) => {
        const streamId = await streamWith(store(), 'impossible', 1);
        await expect(
          store().appendToStream(streamId, expected, [counted(2)], options()),
        ).rejects.toThrow(RangeError);
        expect(versionsOf(await store().readStream(streamId))).toEqual([1]);
      },
    );
  });
}
