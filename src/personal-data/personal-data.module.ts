import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { discoverRegistrations, registrationModule } from '@ledgerline/event-sourcing/nest';
import { DataSource } from 'typeorm';
import { DataKeyStore } from './data-key-store';
import { LookupHash } from './document-lookup';
import { loadMasterKey } from './master-key';
import { PersonalDataProtection } from './personal-data-protection';
import { EVENT_DATA_PROTECTION } from './personal-data.tokens';
import { PersonalDataSettings } from './personal-data-settings';
import { PersonalFields } from './personal-fields';

const PERSONAL_FIELDS = 'personal-fields';

const isDeclarationList = (value: unknown): value is readonly PersonalFields[] =>
  Array.isArray(value);

/**
 * Personal data at rest: the data keys (one per person, wrapped by the master key), the
 * protection the event store applies to the declared personal fields, and the keyed hash of
 * values that must stay findable. The start stops when the master key is not the one the
 * database's keys were wrapped with.
 */
@Global()
@Module({})
export class PersonalDataModule {
  /**
   * Declares a context's personal fields (import it in the context's module): stored sealed
   * with their person's key, read opened, erased with the key.
   */
  static forFeature(declarations: readonly PersonalFields[]): DynamicModule {
    return registrationModule(PERSONAL_FIELDS, declarations);
  }

  static forRoot(settings: PersonalDataSettings): DynamicModule {
    return {
      module: PersonalDataModule,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: DataKeyStore,
          inject: [getDataSourceToken()],
          useFactory: async (dataSource: DataSource) => {
            const keys = new DataKeyStore(dataSource, loadMasterKey(settings));
            await keys.verifyMasterKey();
            return keys;
          },
        },
        {
          provide: LookupHash,
          inject: [DataKeyStore],
          useFactory: (keys: DataKeyStore) => new LookupHash(keys),
        },
        {
          provide: EVENT_DATA_PROTECTION,
          inject: [DataKeyStore, DiscoveryService],
          useFactory: (keys: DataKeyStore, discovery: DiscoveryService) =>
            new PersonalDataProtection(
              keys,
              discoverRegistrations(discovery, PERSONAL_FIELDS, isDeclarationList).flat(),
            ),
        },
      ],
      exports: [DataKeyStore, LookupHash, EVENT_DATA_PROTECTION],
    };
  }
}
