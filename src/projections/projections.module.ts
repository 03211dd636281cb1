import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import {
  DurableEventsHandlers,
  DurableSagas,
  EventSourcingFeatures,
} from '@ledgerline/event-sourcing/nest';
import { DatabaseSettings } from '../database/database-settings';
import { AdminProjectionsController } from './http/admin-projections.controller';
import { ProjectionRebuilder } from './projection-rebuilder';
import { ProjectionsService } from './projections.service';
import {
  DATABASE_SETTINGS,
  PROJECTIONS,
  PROJECTIONS_OPTIONS,
  ProjectionsOptions,
} from './projections.tokens';
import { ReadYourWritesInterceptor } from './read-your-writes';

/**
 * The read side's machinery: runners, leases, rebuilds, admin API, read-your-writes; and the
 * `@EventsHandler` classes of committed events and the `@Saga()` streams in any module, run
 * as durable subscribers.
 */
@Module({})
export class ProjectionsModule {
  static forRoot(database: DatabaseSettings, options: ProjectionsOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      imports: [DiscoveryModule],
      controllers: [AdminProjectionsController],
      providers: [
        // What each context registered (EventSourcingModule.forFeature).
        {
          provide: PROJECTIONS,
          inject: [EventSourcingFeatures],
          useFactory: (features: EventSourcingFeatures) => features.projections(),
        },
        { provide: DATABASE_SETTINGS, useValue: database },
        { provide: PROJECTIONS_OPTIONS, useValue: options },
        DurableEventsHandlers,
        DurableSagas,
        ProjectionsService,
        ProjectionRebuilder,
        { provide: APP_INTERCEPTOR, useClass: ReadYourWritesInterceptor },
      ],
      exports: [ProjectionsService, ProjectionRebuilder, DurableSagas],
    };
  }
}
