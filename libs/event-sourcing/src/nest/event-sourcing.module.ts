import { DynamicModule, Global, InjectionToken, Module, ModuleMetadata } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventStore } from '../core/event-store.port';
import { PostgresEventStore, PostgresEventStoreOptions } from '../postgres/postgres-event-store';
import { EVENT_STORE } from './event-store.token';

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

const storeOn = (dataSource: DataSource, options: EventSourcingModuleOptions): EventStore => {
  const store = new PostgresEventStore(dataSource, options);
  return options.decorate ? options.decorate(store) : store;
};

/**
 * Provides the PostgreSQL event store under EVENT_STORE (`@InjectEventStore()`) to the whole
 * application, on the DataSource of `@nestjs/typeorm` (its migrations must include
 * `eventStoreMigrations`).
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
          inject: [getDataSourceToken(options.dataSource)],
          useFactory: (dataSource: DataSource) => storeOn(dataSource, options),
        },
      ],
      exports: [EVENT_STORE],
    };
  }

  static forRootAsync(options: EventSourcingModuleAsyncOptions): DynamicModule {
    const OPTIONS = Symbol('EventSourcingModuleOptions');
    return {
      module: EventSourcingModule,
      imports: options.imports ?? [],
      providers: [
        { provide: OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        {
          provide: EVENT_STORE,
          inject: [getDataSourceToken(options.dataSource), OPTIONS],
          useFactory: (dataSource: DataSource, resolved: EventSourcingModuleOptions) =>
            storeOn(dataSource, resolved),
        },
      ],
      exports: [EVENT_STORE],
    };
  }
}
