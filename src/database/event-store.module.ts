import { DynamicModule, Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  EventUpcasters,
  IntegrationEventMapper,
  PostgresEventStore,
  Upcaster,
} from '@ledgerline/event-sourcing';
import { CommitSignal } from './commit-signal';
import { EVENT_STORE } from './database.tokens';

/**
 * Provides the event store (the book of record) to every bounded context. `outbox` maps
 * each context's domain events to its public integration events, written to the outbox in
 * the append transaction; `upcasters` bring old events to their current shape on every read.
 */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(outbox: IntegrationEventMapper, upcasters: readonly Upcaster[]): DynamicModule {
    const chains = new EventUpcasters(upcasters);
    return {
      module: EventStoreModule,
      providers: [
        CommitSignal,
        {
          provide: EVENT_STORE,
          inject: [getDataSourceToken(), CommitSignal],
          useFactory: (dataSource: DataSource, commits: CommitSignal) =>
            new PostgresEventStore(dataSource, {
              outbox,
              upcasters: chains,
              afterCommit: () => commits.raise(),
            }),
        },
      ],
      exports: [EVENT_STORE, CommitSignal],
    };
  }
}
