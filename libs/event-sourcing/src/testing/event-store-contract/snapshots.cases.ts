import {
  ContractStore,
  counted,
  countedEvents,
  metadata,
  newCommandId,
  newStreamId,
  options,
} from './fixtures';

/** Snapshots: written with an append, at the stream's new version, and read back. */
export function snapshotCases(store: ContractStore): void {
  describe('snapshots', () => {
    it('a stream has none until an append writes one', async () => {
      const streamId = newStreamId('snapshot-none');
      expect(await store().readSnapshot(streamId)).toBeUndefined();
      await store().appendToStream(streamId, 'no_stream', [counted(1)], options());
      expect(await store().readSnapshot(streamId)).toBeUndefined();
    });

    it('one written with an append is read back at the version after the append', async () => {
      const streamId = newStreamId('snapshot');
      const state = { total: 6, items: ['a', 'b'], note: null, nested: { ok: true } };
      await store().appendToStream(streamId, 'no_stream', countedEvents(1, 2, 3), {
        ...options(),
        snapshot: { state, schemaVersion: 2 },
      });
      expect(await store().readSnapshot(streamId)).toEqual({
        streamVersion: 3,
        schemaVersion: 2,
        state,
      });
    });

    it('an append without one keeps the last; a later one replaces it', async () => {
      const streamId = newStreamId('snapshot-later');
      await store().appendToStream(streamId, 'no_stream', [counted(1)], {
        ...options(),
        snapshot: { state: { total: 1 }, schemaVersion: 1 },
      });
      await store().appendToStream(streamId, 1, [counted(2)], options());
      expect(await store().readSnapshot(streamId)).toMatchObject({ streamVersion: 1 });

      await store().appendToStream(streamId, 2, countedEvents(3, 4), {
        ...options(),
        snapshot: { state: { total: 10 }, schemaVersion: 1 },
      });
      expect(await store().readSnapshot(streamId)).toEqual({
        streamVersion: 4,
        schemaVersion: 1,
        state: { total: 10 },
      });
    });

    it('appendCommands writes one at the version after its last command', async () => {
      const streamId = newStreamId('snapshot-commands');
      const part = (n: number) => ({
        events: [counted(n)],
        metadata: metadata(),
        command: { id: newCommandId(), result: () => n },
      });
      await store().appendCommands(streamId, 'no_stream', [part(1), part(2)], {
        state: { total: 3 },
        schemaVersion: 1,
      });
      expect(await store().readSnapshot(streamId)).toEqual({
        streamVersion: 2,
        schemaVersion: 1,
        state: { total: 3 },
      });
    });
  });
}
