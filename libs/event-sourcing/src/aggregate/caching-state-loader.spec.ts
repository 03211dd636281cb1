import { randomUUID } from 'node:crypto';
import { NewEvent } from '../core/event';
import { testMetadata } from '../../test/test-metadata';
import { AggregateRepository, LoadedAggregate } from './aggregate-repository';
import { CachingStateLoader } from './caching-state-loader';
import { InMemoryEventStore } from '../../test/in-memory-event-store';
import { Decision } from './stream-command';

type Added = NewEvent<'Added'>;
const added: Added = { type: 'Added', data: {} };

/** A loader of counter streams; `loads` lists the streams the repository really loaded. */
function harness(capacity = 10) {
  const store = new InMemoryEventStore();
  const repository = new AggregateRepository<number, Added>(store, {
    eventTypes: ['Added'],
    initialState: () => 0,
    evolve: (count) => count + 1,
  });
  const load = jest.spyOn(repository, 'load');
  const loader = new CachingStateLoader(repository, capacity);
  const loads = (): string[] => load.mock.calls.map(([streamId]) => streamId);
  return { store, loader, loads };
}

/** The state this process committed: `count` at version `count`. */
const committed = (count: number): LoadedAggregate<number, Added> => ({
  state: count,
  version: count,
  events: [],
  snapshotVersion: 0,
});

const stream = (): string => `counter-${randomUUID()}`;

async function write(store: InMemoryEventStore, streamId: string, events: number): Promise<void> {
  await store.appendToStream(streamId, 'any', Array<Added>(events).fill(added), {
    metadata: testMetadata(),
  });
}

describe('CachingStateLoader: load', () => {
  it('loads a stream it does not remember', async () => {
    const h = harness();
    const id = stream();
    await write(h.store, id, 2);
    expect(await h.loader.load(id)).toMatchObject({ state: 2, version: 2 });
    expect(h.loads()).toEqual([id]);
  });

  it('answers from the remembered state without a load, even when the stream moved on', async () => {
    const h = harness();
    const id = stream();
    await write(h.store, id, 3);
    h.loader.remember(id, committed(1));
    expect(await h.loader.load(id)).toEqual(committed(1));
    expect(h.loads()).toEqual([]);
  });

  it('loads again a stream it was told to forget', async () => {
    const h = harness();
    const id = stream();
    await write(h.store, id, 3);
    h.loader.remember(id, committed(1));
    h.loader.forget(id);
    expect(await h.loader.load(id)).toMatchObject({ state: 3, version: 3 });
    expect(h.loads()).toEqual([id]);
    expect(h.loader.size).toBe(0);
  });

  it('with capacity 0 remembers nothing: every command loads', async () => {
    const h = harness(0);
    const id = stream();
    h.loader.remember(id, committed(1));
    expect(h.loader.size).toBe(0);
    await h.loader.load(id);
    await h.loader.load(id);
    expect(h.loads()).toEqual([id, id]);
  });

  it('keeps the `capacity` streams written most recently; reading one does not keep it longer', async () => {
    const h = harness(2);
    const [s1, s2, s3, s4] = [stream(), stream(), stream(), stream()];
    [s1, s2, s3].forEach((id) => h.loader.remember(id, committed(1)));
    expect(h.loader.size).toBe(2); // s1 dropped

    await h.loader.load(s2); // a hit: s2 stays the least recently written
    h.loader.remember(s1, committed(2)); // drops s2
    h.loader.remember(s3, committed(2)); // s3 is the newest again
    h.loader.remember(s4, committed(1)); // drops s1
    for (const id of [s1, s2, s3, s4]) await h.loader.load(id);
    expect(h.loads()).toEqual([s1, s2]);
  });
});

describe('CachingStateLoader: decideOnLatest', () => {
  const append: Decision<Added> = { kind: 'append', events: [added] };
  const refused: Decision<Added> = { kind: 'refused', error: new Error('no') };
  const nothing: Decision<Added> = { kind: 'nothing' };

  /** A decision per call, recording the version each was made on. */
  function deciding(...decisions: Decision<Added>[]) {
    const versions: number[] = [];
    const decide = (loaded: LoadedAggregate<number, Added>): Decision<Added> => {
      versions.push(loaded.version);
      return decisions[versions.length - 1];
    };
    return { versions, decide };
  }

  it('keeps an append decided on the remembered state, without a load', async () => {
    const h = harness();
    const id = stream();
    h.loader.remember(id, committed(1));
    const { versions, decide } = deciding(append);
    const decided = await h.loader.decideOnLatest(id, decide);
    expect(decided).toEqual({ loaded: committed(1), decision: append, cached: true });
    expect(versions).toEqual([1]);
    expect(h.loads()).toEqual([]);
  });

  it.each([
    ['a refusal', refused],
    ['nothing to do', nothing],
  ])(
    'decides %s made on the remembered state again on a fresh load, and forgets the stream',
    async (_, first) => {
      const h = harness();
      const id = stream();
      await write(h.store, id, 3); // another process wrote since
      h.loader.remember(id, committed(1));
      const { versions, decide } = deciding(first, append);
      const decided = await h.loader.decideOnLatest(id, decide);
      expect(versions).toEqual([1, 3]);
      expect(decided).toMatchObject({ loaded: { version: 3 }, decision: append, cached: false });
      expect(h.loads()).toEqual([id]);
      expect(h.loader.size).toBe(0);
    },
  );

  it('answers with whatever a fresh load decides, deciding once', async () => {
    const h = harness();
    const id = stream();
    await write(h.store, id, 2);
    const { versions, decide } = deciding(refused);
    const decided = await h.loader.decideOnLatest(id, decide);
    expect(decided).toMatchObject({ loaded: { version: 2 }, decision: refused, cached: false });
    expect(versions).toEqual([2]);
  });
});
