import { EventStore } from '../core/event-store.port';
import { appendToStreamCases } from './event-store-contract/append-to-stream.cases';
import { appendToStreamsCases } from './event-store-contract/append-to-streams.cases';
import { commandCases } from './event-store-contract/commands.cases';
import { readCases } from './event-store-contract/reads.cases';
import { snapshotCases } from './event-store-contract/snapshots.cases';

/** An event store opened for the contract suite, and how to let it go. */
export interface OpenedEventStore {
  readonly store: EventStore;
  close(): Promise<void>;
}

/**
 * The promises of the `EventStore` port as one Jest suite, for every implementation to run:
 * appendToStream under each kind of expected version, refusals that write nothing (events,
 * command record, snapshot), readStream order and bounds, appendToStreams and appendCommands
 * all or nothing, repeated command ids, readAll order, exclusive position and limit, snapshots
 * and the RangeErrors of appends that cannot be meant. Call it at the top level of a spec file.
 *
 * `open` runs once before the cases and `close` once after them: the cases share the store,
 * each on streams and command ids of its own, one case at a time. Nothing else may write to
 * the store meanwhile (the readAll cases expect to see only their own events). readAll is
 * retried for up to 20 s, since a gap-safe log may hold back events while an unrelated
 * transaction is in flight.
 */
export function describeEventStoreContract(
  name: string,
  open: () => Promise<OpenedEventStore>,
): void {
  describe(`${name} keeps the EventStore contract`, () => {
    let opened: OpenedEventStore | undefined;
    const store = (): EventStore => {
      if (!opened) throw new Error(`${name} was not opened: see the error of beforeAll`);
      return opened.store;
    };

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    appendToStreamCases(store);
    readCases(store);
    commandCases(store);
    appendToStreamsCases(store);
    snapshotCases(store);
  });
}
