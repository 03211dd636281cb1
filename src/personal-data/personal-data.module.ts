import { DynamicModule, Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DataKeyStore } from './data-key-store';
import { LookupHash } from './document-lookup';
import { loadMasterKey } from './master-key';
import { PersonalDataProtection } from './personal-data-protection';
import { EVENT_DATA_PROTECTION } from './personal-data.tokens';
import { PersonalDataSettings } from './personal-data-settings';
import { PersonalFields } from './personal-fields';

/**
 * Personal data at rest: the data keys (one per person, wrapped by the master key), the
 * protection the event store applies to the declared personal fields, and the keyed hash of
 * values that must stay findable. The start stops when the master key is not the one the
 * database's keys were wrapped with.
 */
@Global()
@Module({})
export class PersonalDataModule {
  static forRoot(
    settings: PersonalDataSettings,
    declarations: readonly PersonalFields[],
  ): DynamicModule {
    return {
      module: PersonalDataModule,
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
          inject: [DataKeyStore],
          useFactory: (keys: DataKeyStore) => new PersonalDataProtection(keys, declarations),
        },
      ],
      exports: [DataKeyStore, LookupHash, EVENT_DATA_PROTECTION],
    };
  }
}
