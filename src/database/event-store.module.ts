import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  EventDataProtection,
  EventStore,
  EventUpcasters,
  ProtectedEventStore,
} from '@ledgerline/event-sourcing';
import { EventSourcingFeatures } from '@ledgerline/event-sourcing/nest';
import { AppendObserver, PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { AppInstance } from './app-instance';
import { CommitSignal } from './commit-signal';
import { EVENT_STORE } from './database.tokens';
import { OPTIONAL_APPEND_OBSERVER } from '../observability/metrics/metrics.tokens';
import { EVENT_DATA_PROTECTION } from '../personal-data/personal-data.tokens';
import { DatabaseSettings } from './database-settings';
import { AppCommitNotifier } from './commit-notifier';
import { TableStatisticsService } from './table-statistics.service';

/**
 * Provides the event store (the book of record) to every bounded context, with what each
 * context registered (`EventSourcingModule.forFeature` in its module): its outbox mapping of
 * domain events to public integration events, written to the outbox in the append
 * transaction, and its upcasters, which bring old events to their current shape on every read.
 * Every commit wakes this process's workers (CommitSignal) and, on a server,
 * other instances through a coalesced NOTIFY sent after the commit from a session of its own
 * (AppCommitNotifier). AppInstance is this
 * process's identity and liveness, for work other instances may take over when it dies.
 * TableStatisticsService keeps the planner's statistics where the server's autovacuum does not.
 * With an EventDataProtection provided (the personal-data module), the personal fields it
 * declares are stored sealed and read opened, on every path through the store.
 */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(database: DatabaseSettings): DynamicModule {
    const options = { embedded: database.embedded ?? false };
    const logger = new Logger('EventStore');
    return {
      module: EventStoreModule,
      imports: [DiscoveryModule],
      providers: [
        EventSourcingFeatures,
        CommitSignal,
        { provide: AppInstance, useFactory: () => new AppInstance(database) },
        {
          provide: TableStatisticsService,
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => new TableStatisticsService(dataSource, database),
        },
        {
          provide: AppCommitNotifier,
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) =>
            new AppCommitNotifier(dataSource, database, (error) =>
              logger.warn(`could not notify other instances of a commit: ${String(error)}`),
            ),
        },
        {
          provide: EVENT_STORE,
          inject: [
            getDataSourceToken(),
            EventSourcingFeatures,
            CommitSignal,
            OPTIONAL_APPEND_OBSERVER,
            AppCommitNotifier,
            { token: EVENT_DATA_PROTECTION, optional: true },
          ],
          useFactory: (
            dataSource: DataSource,
            features: EventSourcingFeatures,
            commits: CommitSignal,
            observer: AppendObserver | undefined,
            notifier: AppCommitNotifier,
            protection?: EventDataProtection,
          ): EventStore => {
            const store = new PostgresEventStore(dataSource, {
              outbox: features.outbox(),
              upcasters: new EventUpcasters(features.upcasters()),
              preparedStatements: !options.embedded,
              appendRoundTrips: database.appendRoundTrips,
              afterCommit: () => commits.raise(),
              // PGlite has no LISTEN across connections, and one session behind all of them.
              notifyCommits: !options.embedded,
              commitNotifier: notifier,
              appendObserver: observer,
            });
            return protection ? new ProtectedEventStore(store, protection) : store;
          },
        },
      ],
      exports: [
        EVENT_STORE,
        CommitSignal,
        AppInstance,
        EventSourcingFeatures,
        TableStatisticsService,
      ],
    };
  }
}
