import { DynamicModule, Global, InjectionToken, Module, ModuleMetadata } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventStore } from '../core/event-store.port';
import { EventUpcasters } from '../core/upcasting';
import { PostgresEventStore, PostgresEventStoreOptions } from '../postgres/postgres-event-store';
import { EVENT_STORE } from './event-store.token';
import {
  EVENT_SOURCING_FEATURE,
  EventSourcingFeature,
  EventSourcingFeatures,
} from './event-sourcing-features';
import { registrationModule } from './feature-registrations';

/** How the module builds the store: PostgresEventStore's options, and the DataSource to use. */
export interface EventSourcingModuleOptions extends PostgresEventStoreOptions {
  /** The @nestjs/typeorm DataSource's name, when the application has several. */
  readonly dataSource?: string;
  /** Wraps the store before it is provided (for example in a ProtectedEventStore). */
  readonly decorate?: (store: EventStore) => EventStore;
}

/** The options computed by a factory with injected dependencies (configuration, observers). */
export interface EventSourcingModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  readonly inject?: InjectionToken[];
  readonly useFactory: (
    ...dependencies: never[]
  ) => EventSourcingModuleOptions | Promise<EventSourcingModuleOptions>;
  /** The DataSource's name (known before the factory runs: it is what is injected). */
  readonly dataSource?: string;
}

const storeOn = (
  dataSource: DataSource,
  options: EventSourcingModuleOptions,
  features: EventSourcingFeatures,
): EventStore => {
  // The features' own, after those given here.
  const store = new PostgresEventStore(dataSource, {
    ...options,
    upcasters: (options.upcasters ?? new EventUpcasters()).concat(features.upcasters()),
    outbox: features.outbox(options.outbox),
  });
  return options.decorate ? options.decorate(store) : store;
};

/**
 * Provides the PostgreSQL event store under EVENT_STORE (`@InjectEventStore()`) to the whole
 * application, on the DataSource of `@nestjs/typeorm` (its migrations must include
 * `eventStoreMigrations`), with the upcasters and outbox mappings every feature module
 * registered (`forFeature`), and EventSourcingFeatures for whatever runs their projections.
 */
@Global()
@Module({})
export class EventSourcingModule {
  static forRoot(options: EventSourcingModuleOptions = {}): DynamicModule {
    return {
      module: EventSourcingModule,
      providers: [
        {
          provide: EVENT_STORE,
          inject: [getDataSourceToken(options.dataSource), EventSourcingFeatures],
          useFactory: (dataSource: DataSource, features: EventSourcingFeatures) =>
            storeOn(dataSource, options, features),
        },
        EventSourcingFeatures,
      ],
      imports: [DiscoveryModule],
      exports: [EVENT_STORE, EventSourcingFeatures],
    };
  }

  /**
   * Registers a feature module's projections, process managers, upcasters and outbox mapping
   * (import it in that module), so adding a bounded context touches only its own folder. What
   * is registered is found from anywhere in the application by EventSourcingFeatures.
   */
  static forFeature(feature: EventSourcingFeature): DynamicModule {
    return registrationModule(EVENT_SOURCING_FEATURE, feature);
  }

  static forRootAsync(options: EventSourcingModuleAsyncOptions): DynamicModule {
    const OPTIONS = Symbol('EventSourcingModuleOptions');
    return {
      module: EventSourcingModule,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [
        { provide: OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        {
          provide: EVENT_STORE,
          inject: [getDataSourceToken(options.dataSource), OPTIONS, EventSourcingFeatures],
          useFactory: (
            dataSource: DataSource,
            resolved: EventSourcingModuleOptions,
            features: EventSourcingFeatures,
          ) => storeOn(dataSource, resolved, features),
        },
        EventSourcingFeatures,
      ],
      exports: [EVENT_STORE, EventSourcingFeatures],
    };
  }
}
