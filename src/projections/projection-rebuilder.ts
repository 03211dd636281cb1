import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventStore } from '@ledgerline/event-sourcing';
import { ProjectionRebuilder as LibraryProjectionRebuilder } from '@ledgerline/event-sourcing/postgres';
import { EVENT_STORE } from '../database/database.tokens';
import { ProjectionsService } from './projections.service';

export type { RebuildProgress } from '@ledgerline/event-sourcing/postgres';

/**
 * The library's rebuilder (shadow tables, a cluster-wide claim, a switch-over in one
 * transaction) over this app's projections and event store, logging as the app does; its
 * rebuilds stop and give their claims back when the app shuts down.
 */
@Injectable()
export class ProjectionRebuilder extends LibraryProjectionRebuilder implements OnModuleDestroy {
  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(EVENT_STORE) events: EventStore,
    projections: ProjectionsService,
  ) {
    super(dataSource, events, (name) => projections.find(name), new Logger('Projections'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.abortAll('the process is shutting down');
  }
}
