import { EventStoreSchema1732300000000 } from './1732300000000-event-store-schema';

/** The library's migrations, in order: add them to the application's DataSource `migrations`. */
export const eventStoreMigrations = [EventStoreSchema1732300000000];
