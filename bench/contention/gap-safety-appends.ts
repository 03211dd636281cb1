/**
 * The appends the gap-safety benchmark compares: each is one event to a new stream
 * ('no_stream') through the full append path (events, one outbox row, the command record),
 * differing only in what surrounds the store's append.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppendOptions, IntegrationEventMapper, NewEvent } from '@ledgerline/event-sourcing';
import { PostgresEventStore, runInTransaction } from '@ledgerline/event-sourcing/postgres';
import { depositData, depositMetadata } from '../support/event-payload';

/** Any fixed 64-bit key; it only has to differ from the app's own advisory locks. */
const GLOBAL_APPEND_LOCK = '4711471147114711';

/** One integration message per event, as the accounts' mapper writes for a deposit. */
const benchOutbox: IntegrationEventMapper = (event) => [
  {
    type: 'bench.money-deposited',
    schemaVersion: 1,
    data: { streamId: event.streamId, amount: event.data.amount ?? 0 },
  },
];

export type AppendVariant = 'store' | 'locked' | 'wrapped';

export const APPEND_VARIANTS: readonly { key: AppendVariant; label: string }[] = [
  { key: 'store', label: '(a) ours: store.appendToStream' },
  { key: 'locked', label: '(b) advisory lock + appendInTransaction' },
  { key: 'wrapped', label: '(c) appendInTransaction, no lock' },
];

export interface GapSafetyAppender {
  readonly store: PostgresEventStore;
  /** One append of one event to a new stream; `amount` makes each payload distinct. */
  append(variant: AppendVariant, amount: number): Promise<void>;
}

export function gapSafetyAppender(dataSource: DataSource): GapSafetyAppender {
  const store = new PostgresEventStore(dataSource, { outbox: benchOutbox });
  const call = (amount: number) => {
    const streamId = `bench-${randomUUID()}`;
    const metadata = depositMetadata();
    const events: NewEvent[] = [{ type: 'MoneyDeposited', data: depositData(streamId, amount) }];
    const options: AppendOptions = {
      metadata,
      command: {
        id: metadata.commandId,
        result: (appended) => ({
          version: appended.nextExpectedVersion,
          position: appended.lastPosition.globalPosition.toString(),
        }),
      },
    };
    return { streamId, events, options };
  };
  return {
    store,
    async append(variant, amount) {
      const { streamId, events, options } = call(amount);
      switch (variant) {
        case 'store':
          await store.appendToStream(streamId, 'no_stream', events, options);
          return;
        case 'locked':
          // Serialises every append until its commit, so global positions commit in order.
          // An advisory lock assigns no transaction id: the append is still the first write.
          await runInTransaction(dataSource, async (queryRunner) => {
            await queryRunner.query('SELECT pg_advisory_xact_lock($1)', [GLOBAL_APPEND_LOCK]);
            return store.appendInTransaction(queryRunner, streamId, 'no_stream', events, options);
          });
          return;
        case 'wrapped':
          await runInTransaction(dataSource, (queryRunner) =>
            store.appendInTransaction(queryRunner, streamId, 'no_stream', events, options),
          );
          return;
        default: {
          const unknown: never = variant;
          throw new Error(`unknown variant ${String(unknown)}`);
        }
      }
    },
  };
}
