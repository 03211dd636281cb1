/**
 * Emmett's side of the hot-stream benchmark (anchors §2 (d)): each append folds the stream
 * with aggregateStream to learn its current version (Emmett keeps no snapshots, so that is
 * how a command handler on it learns the version), then appends one event with
 * expectedStreamVersion = that version, retrying at once on ExpectedVersionConflictError.
 */
import { Event, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { EmmettBench, openEmmett } from '../peers/emmett';
import { depositData, depositMetadata } from '../support/event-payload';
import { ConflictCounter, retryOnConflict } from './conflict-retry';
import { StreamShape } from './stream-check';

type Deposited = Event<
  'MoneyDeposited',
  ReturnType<typeof depositData>,
  ReturnType<typeof depositMetadata>
>;

/** The fold: only the balance, so the read dominates as it would in a real handler. */
const evolve = (balance: number, event: Deposited): number => balance + Number(event.data.amount);

export interface EmmettHotStream {
  append(streamId: string, amount: number, counter: ConflictCounter): Promise<void>;
  /** The stream's shape and the folded balance. */
  inspect(streamId: string): Promise<StreamShape & { balance: number }>;
  close(): Promise<void>;
}

export async function openEmmettHotStream(poolSize: number): Promise<EmmettHotStream> {
  const emmett: EmmettBench = await openEmmett(poolSize);
  // pg-pool's end() resolves before its clients' sockets are closed; openEmmett's close() then
  // drops the database WITH (FORCE), which kills those backends, and a killed idle client is
  // an 'error' event on the pool: with no listener it would crash the process mid clean-up.
  emmett.pool.on('error', () => undefined);
  const { store } = emmett;
  return {
    async append(streamId, amount, counter) {
      await retryOnConflict(counter, isExpectedVersionConflictError, async () => {
        const { currentStreamVersion } = await store.aggregateStream<number, Deposited>(streamId, {
          evolve,
          initialState: () => 0,
        });
        await store.appendToStream<Deposited>(
          streamId,
          [
            {
              type: 'MoneyDeposited',
              data: depositData(streamId, amount),
              metadata: depositMetadata(),
            },
          ],
          { expectedStreamVersion: currentStreamVersion },
        );
      });
    },
    async inspect(streamId) {
      const { events } = await store.readStream<Deposited>(streamId);
      const versions = events.map((event) => Number(event.metadata.streamPosition));
      return {
        events: events.length,
        minVersion: versions.length ? Math.min(...versions) : 0,
        maxVersion: versions.length ? Math.max(...versions) : 0,
        distinctVersions: new Set(versions).size,
        balance: events.reduce(evolve, 0),
      };
    },
    close: () => emmett.close(),
  };
}
