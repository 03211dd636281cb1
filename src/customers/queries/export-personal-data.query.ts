import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';

/** Where one personal value is held: a field of one recorded event. */
export interface PersonalFieldSource {
  readonly kind: 'event';
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventType: string;
  /** ISO-8601 instant the event was recorded. */
  readonly recordedAt: string;
}

export interface PersonalFieldEntry {
  readonly field: string;
  readonly value: string;
  readonly source: PersonalFieldSource;
}

/** The personal columns of the customer's customer_summaries row (null once erased). */
export interface CustomerSummaryPersonalData {
  readonly name: string | null;
  readonly email: string | null;
  readonly documentNumber: string | null;
}

export interface ReadModelPersonalData {
  readonly table: 'customer_summaries';
  readonly fields: CustomerSummaryPersonalData;
}

/** Everything personal held about one customer (GDPR art. 15), with where each value is. */
export interface PersonalDataExport {
  readonly customerId: string;
  readonly status: 'ACTIVE' | 'UNREGISTERED' | 'ERASED';
  readonly erased: boolean;
  readonly fields: readonly PersonalFieldEntry[];
  readonly readModels: readonly ReadModelPersonalData[];
}

export class ExportPersonalDataQuery extends Query<PersonalDataExport> {
  constructor(
    readonly customerId: string,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
