import { LogPosition, RecordedEvent } from '../../core/event';
import { ReadStreamOptions } from '../../core/event-store.port';
import {
  ContractStore,
  counted,
  countedEvents,
  eventually,
  isBefore,
  metadata,
  newStreamId,
  options,
  positionOf,
  streamWith,
  versionsOf,
} from './fixtures';

/** readStream (order, bounds, temporal reads), readAll (order, exclusive position, limit). */
export function readCases(store: ContractStore): void {
  describe('readStream', () => {
    it('is empty for a stream that does not exist', async () => {
      expect(await store().readStream(newStreamId('missing'))).toEqual([]);
    });

    it('returns every append in version order, each event with the metadata of its own append', async () => {
      const streamId = newStreamId('order');
      const metas = [metadata(), metadata(), metadata()];
      await store().appendToStream(streamId, 'no_stream', countedEvents(1, 2), {
        metadata: metas[0],
      });
      await store().appendToStream(streamId, 2, [counted(3)], { metadata: metas[1] });
      await store().appendToStream(streamId, 3, countedEvents(4, 5), { metadata: metas[2] });

      const read = await store().readStream(streamId);
      expect(read.map((event) => [event.streamVersion, event.data.n, event.metadata])).toEqual([
        [1, 1, metas[0]],
        [2, 2, metas[0]],
        [3, 3, metas[1]],
        [4, 4, metas[2]],
        [5, 5, metas[2]],
      ]);
    });

    it('never mixes in a stream whose id merely starts the same', async () => {
      const streamId = await streamWith(store(), 'prefix', 1);
      await store().appendToStream(`${streamId}-other`, 'no_stream', [counted(7)], options());
      expect((await store().readStream(streamId)).map((event) => event.streamId)).toEqual([
        streamId,
      ]);
    });

    it.each<[ReadStreamOptions, number[]]>([
      [{ fromVersion: 2 }, [2, 3, 4, 5]],
      [{ toVersion: 3 }, [1, 2, 3]],
      [{ fromVersion: 2, toVersion: 4 }, [2, 3, 4]],
      [{ fromVersion: 3, toVersion: 3 }, [3]],
      [{ fromVersion: 6 }, []],
      [{ fromVersion: 4, toVersion: 2 }, []],
    ])('bounds are inclusive: %p reads versions %p', async (bounds, versions) => {
      const streamId = await streamWith(store(), 'bounds', 5);
      expect(versionsOf(await store().readStream(streamId, bounds))).toEqual(versions);
    });

    it('occurredAtOrBefore keeps the events that had occurred by then (inclusive)', async () => {
      const streamId = newStreamId('temporal');
      await store().appendToStream(streamId, 'no_stream', [counted(1)], {
        metadata: metadata('2026-01-01T00:00:00.000Z'),
      });
      await store().appendToStream(streamId, 1, [counted(2)], {
        metadata: metadata('2026-02-01T00:00:00.000Z'),
      });
      const asOf = (instant: string) =>
        store().readStream(streamId, { occurredAtOrBefore: new Date(instant) });
      expect(versionsOf(await asOf('2025-12-31T00:00:00.000Z'))).toEqual([]);
      expect(versionsOf(await asOf('2026-01-15T00:00:00.000Z'))).toEqual([1]);
      expect(versionsOf(await asOf('2026-02-01T00:00:00.000Z'))).toEqual([1, 2]);
    });
  });

  describe('readAll', () => {
    /**
     * After a marker append: `one` with two events, `two` with one, `one` again. Nothing else
     * writes meanwhile (the cases of a suite run one at a time), so these are all the events
     * after the marker, in this order.
     */
    async function appendAfterMarker() {
      const marker = await store().appendToStream(
        newStreamId('marker'),
        'no_stream',
        [counted(0)],
        options(),
      );
      const one = newStreamId('log-one');
      const two = newStreamId('log-two');
      const appends = [
        await store().appendToStream(one, 'no_stream', countedEvents(1, 2), options()),
        await store().appendToStream(two, 'no_stream', [counted(3)], options()),
        await store().appendToStream(one, 2, [counted(4)], options()),
      ];
      const events = appends.flatMap((appended) => appended.events);
      return { after: marker.lastPosition, events, ids: events.map((event) => event.eventId) };
    }

    const idsOf = (events: readonly RecordedEvent[]) => events.map((event) => event.eventId);

    /** Everything after `after`, one event per read, as a checkpointing reader goes. */
    async function readPagedFrom(after: LogPosition): Promise<RecordedEvent[]> {
      const all: RecordedEvent[] = [];
      for (let from = after; ;) {
        const page = await store().readAll(positionOf(from), 1);
        if (page.length === 0) return all;
        all.push(...page);
        from = page[0];
      }
    }

    it('returns the events after a position in log order, those of one append in version order', async () => {
      const { after, events, ids } = await appendAfterMarker();
      await eventually(async () => {
        const read = await store().readAll(after, 100);
        expect(idsOf(read)).toEqual(ids);
        expect(read.map((event) => `${event.streamId}@${event.streamVersion}`)).toEqual(
          events.map((event) => `${event.streamId}@${event.streamVersion}`),
        );
        read.slice(1).forEach((event, index) => expect(isBefore(read[index], event)).toBe(true));
      });
    });

    it('the position is exclusive: reading after an event starts with the next one', async () => {
      const { events, ids } = await appendAfterMarker();
      await eventually(async () => {
        expect(idsOf(await store().readAll(positionOf(events[1]), 100))).toEqual(ids.slice(2));
      });
      expect(await store().readAll(positionOf(events[3]), 100)).toEqual([]);
    });

    it('returns at most `limit` events: the first ones after the position', async () => {
      const { after, events, ids } = await appendAfterMarker();
      await eventually(async () => {
        expect(idsOf(await store().readAll(after, 2))).toEqual(ids.slice(0, 2));
        expect(idsOf(await store().readAll(positionOf(events[1]), 1))).toEqual([ids[2]]);
      });
      // Paging one event at a time from a checkpoint meets every event once, in order.
      await eventually(async () => {
        expect(idsOf(await readPagedFrom(after))).toEqual(ids);
      });
    });
  });

  describe('upcast', () => {
    it('leaves an event it read as it is: reads return events in their current shape', async () => {
      const streamId = await streamWith(store(), 'upcast', 1);
      const [event] = await store().readStream(streamId);
      expect(await store().upcast(event)).toEqual(event);
    });
  });
}
