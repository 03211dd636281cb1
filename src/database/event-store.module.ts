import { Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '@ledgerline/event-sourcing';
import { EVENT_STORE } from './database.tokens';

/** Provides the event store (the book of record) to every bounded context. */
@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => new PostgresEventStore(dataSource),
    },
  ],
  exports: [EVENT_STORE],
})
export class EventStoreModule {}
