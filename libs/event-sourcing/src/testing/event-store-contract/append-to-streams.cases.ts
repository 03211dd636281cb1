import { DuplicateCommandError } from '../../core/errors';
import { MultiStreamAppendResult, StreamAppend } from '../../core/event-store.port';
import {
  ContractStore,
  counted,
  countedEvents,
  expectVersionConflict,
  isBefore,
  metadata,
  newCommandId,
  newStreamId,
  options,
  streamWith,
  versionsOf,
} from './fixtures';

/** A multi-stream command whose result lists each stream's new version. */
const command = (id = newCommandId()) => ({
  id,
  result: (appended: MultiStreamAppendResult) =>
    appended.streams.map((stream) => stream.nextExpectedVersion),
});

/** appendToStreams: one result per stream, all or nothing, the failing stream named. */
export function appendToStreamsCases(store: ContractStore): void {
  describe('appendToStreams', () => {
    it('appends to every stream at once: one result per stream, in the order given', async () => {
      const existing = await streamWith(store(), 'multi-existing', 1);
      const created = newStreamId('multi-new');
      const meta = metadata();
      const appended = await store().appendToStreams(
        [
          { streamId: existing, expected: 1, events: [counted(2)] },
          { streamId: created, expected: 'no_stream', events: countedEvents(1, 2) },
        ],
        { metadata: meta },
      );

      expect(appended.streams.map((stream) => stream.streamId)).toEqual([existing, created]);
      expect(appended.streams.map((stream) => versionsOf(stream.events))).toEqual([[2], [1, 2]]);
      expect(appended.streams.map((stream) => stream.nextExpectedVersion)).toEqual([2, 2]);
      const events = appended.streams.flatMap((stream) => stream.events);
      for (const event of events) expect(event.metadata).toEqual(meta);
      const latest = events.reduce((a, b) => (isBefore(a, b) ? b : a));
      expect(appended.lastPosition).toEqual({
        transactionId: latest.transactionId,
        globalPosition: latest.globalPosition,
      });
      expect(versionsOf(await store().readStream(existing))).toEqual([1, 2]);
      expect(versionsOf(await store().readStream(created))).toEqual([1, 2]);
    });

    it('all or nothing: a failed expectation writes to no stream and names its stream', async () => {
      const kept = await streamWith(store(), 'multi-kept', 1);
      const stale = await streamWith(store(), 'multi-stale', 2);
      const record = command();
      await expectVersionConflict(
        store().appendToStreams(
          [
            { streamId: kept, expected: 1, events: [counted(2)] },
            { streamId: stale, expected: 1, events: [counted(3)] },
          ],
          { ...options(), command: record },
        ),
        { streamId: stale, expected: 1, actual: 2 },
      );
      expect(versionsOf(await store().readStream(kept))).toEqual([1]);
      expect(versionsOf(await store().readStream(stale))).toEqual([1, 2]);
      expect(await store().findCommandResult(record.id)).toBeUndefined();
    });

    it('names the first stream, in the order given, whose expectation failed', async () => {
      const fine = newStreamId('multi-fine');
      const first = await streamWith(store(), 'multi-first', 1);
      const second = await streamWith(store(), 'multi-second', 1);
      await expectVersionConflict(
        store().appendToStreams(
          [
            { streamId: fine, expected: 'no_stream', events: [counted(1)] },
            { streamId: first, expected: 'no_stream', events: [counted(2)] },
            { streamId: second, expected: 3, events: [counted(2)] },
          ],
          options(),
        ),
        { streamId: first, expected: 'no_stream', actual: 1 },
      );
      expect(await store().readStream(fine)).toEqual([]);
    });

    it('records its command once for all streams; a repeat, by either append, is refused', async () => {
      const [one, two] = [newStreamId('multi-one'), newStreamId('multi-two')];
      const record = command();
      const appended = await store().appendToStreams(
        [
          { streamId: one, expected: 'no_stream', events: [counted(1)] },
          { streamId: two, expected: 'no_stream', events: countedEvents(1, 2) },
        ],
        { ...options(), command: record },
      );
      expect(appended.commandResult).toEqual([1, 2]);
      expect(await store().findCommandResult(record.id)).toEqual([1, 2]);

      const repeat = store().appendToStreams(
        [
          { streamId: one, expected: 'any', events: [counted(2)] },
          { streamId: two, expected: 'any', events: [counted(3)] },
        ],
        { ...options(), command: record },
      );
      await expect(repeat).rejects.toBeInstanceOf(DuplicateCommandError);
      await expect(repeat).rejects.toMatchObject({ commandId: record.id });
      await expect(
        store().appendToStream(one, 'any', [counted(2)], {
          ...options(),
          command: { id: record.id, result: () => null },
        }),
      ).rejects.toMatchObject({ commandId: record.id, code: 'DUPLICATE_COMMAND' });
      expect(versionsOf(await store().readStream(one))).toEqual([1]);
      expect(versionsOf(await store().readStream(two))).toEqual([1, 2]);
      expect(await store().findCommandResult(record.id)).toEqual([1, 2]);
    });

    it('a command recorded by appendToStream refuses a multi-stream append', async () => {
      const id = newCommandId();
      await store().appendToStream(newStreamId('single'), 'no_stream', [counted(1)], {
        ...options(),
        command: { id, result: () => 'single' },
      });
      const streamId = newStreamId('multi-after-single');
      await expect(
        store().appendToStreams([{ streamId, expected: 'no_stream', events: [counted(1)] }], {
          ...options(),
          command: command(id),
        }),
      ).rejects.toMatchObject({ commandId: id, code: 'DUPLICATE_COMMAND' });
      expect(await store().readStream(streamId)).toEqual([]);
      expect(await store().findCommandResult(id)).toBe('single');
    });

    it.each<[string, (one: string, two: string) => StreamAppend[]]>([
      ['no appends', () => []],
      [
        'an empty append',
        (one, two) => [
          { streamId: one, expected: 'no_stream', events: [counted(1)] },
          { streamId: two, expected: 'no_stream', events: [] },
        ],
      ],
      [
        'a stream named twice',
        (one) => [
          { streamId: one, expected: 'no_stream', events: [counted(1)] },
          { streamId: one, expected: 'any', events: [counted(2)] },
        ],
      ],
      [
        'an expected version no stream can be at',
        (one, two) => [
          { streamId: one, expected: 'no_stream', events: [counted(1)] },
          { streamId: two, expected: -1, events: [counted(1)] },
        ],
      ],
    ])('refuses %s with a RangeError, writing nothing', async (_, appends) => {
      const [one, two] = [newStreamId('multi-range-one'), newStreamId('multi-range-two')];
      await expect(store().appendToStreams(appends(one, two), options())).rejects.toThrow(
        RangeError,
      );
      expect(await store().readStream(one)).toEqual([]);
      expect(await store().readStream(two)).toEqual([]);
    });
  });
}
