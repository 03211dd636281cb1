import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { EventStore, foldEvents, RecordedEvent } from '@ledgerline/event-sourcing';
import { DataSource } from 'typeorm';
import { coversCustomer } from '../../auth/principal';
import { EVENT_STORE } from '../../database/database.tokens';
import { LookupHash } from '../../personal-data/document-lookup';
import { PersonalFields } from '../../personal-data/personal-fields';
import { CustomerNotFoundError } from '../domain/customer.errors';
import { CustomerEvent } from '../domain/customer.events';
import { customerPersonalFields } from '../domain/customer.personal-data';
import { customerAggregate, customerStreamId } from '../domain/customer.state';
import { documentReservationStreamId } from '../domain/document-reservation';
import {
  ExportPersonalDataQuery,
  PersonalDataExport,
  PersonalFieldEntry,
  ReadModelPersonalData,
} from './export-personal-data.query';

interface SummaryRow {
  name: string | null;
  email: string | null;
  document_number: string | null;
}

const declarations: ReadonlyMap<string, PersonalFields> = new Map(
  customerPersonalFields.map((declaration) => [declaration.type, declaration]),
);

/**
 * The GDPR art. 15 export: every declared personal field of every event held about the
 * customer (their stream and their document's reservation stream), as the store opens it,
 * plus what the customer_summaries row holds. Values are reported only while readable: once
 * the data key is erased the store reads them as null, so an erased customer's `fields` is
 * empty. Another customer's record answers 404, as GET /customers/:id does.
 */
@QueryHandler(ExportPersonalDataQuery)
export class ExportPersonalDataHandler implements IQueryHandler<ExportPersonalDataQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lookup: LookupHash,
  ) {}

  async execute({ customerId, scope }: ExportPersonalDataQuery): Promise<PersonalDataExport> {
    if (!coversCustomer(scope, customerId)) throw new CustomerNotFoundError(customerId);
    const events = await this.store.readStream(customerStreamId(customerId));
    const state = foldEvents(
      customerAggregate,
      events.map((event) => ({ type: event.type, data: event.data }) as CustomerEvent),
    );
    if (state.status === 'NONE') throw new CustomerNotFoundError(customerId);
    // Erased: nothing is given out, even while another instance's cache still opens the key.
    const erased = state.status === 'ERASED';
    const reservationEvents = erased ? [] : await this.reservationEvents(state.documentNumber);
    return {
      customerId,
      status: state.status,
      erased,
      fields: erased
        ? []
        : [...events, ...reservationEvents].flatMap((event) => personalFieldsOf(event, customerId)),
      readModels: await this.readModels(customerId),
    };
  }

  /** The number is held normalised, as the reservation's keyed hash was taken of it. */
  private async reservationEvents(documentNumber: string): Promise<RecordedEvent[]> {
    return this.store.readStream(documentReservationStreamId(await this.lookup.of(documentNumber)));
  }

  /** No row yet (the projection is behind the registration): no entry. */
  private async readModels(customerId: string): Promise<ReadModelPersonalData[]> {
    const rows: SummaryRow[] = await this.dataSource.query(
      'SELECT name, email, document_number FROM customer_summaries WHERE customer_id = $1',
      [customerId],
    );
    return rows.map((row) => ({
      table: 'customer_summaries',
      fields: { name: row.name, email: row.email, documentNumber: row.document_number },
    }));
  }
}

/**
 * The readable personal fields of one event about the customer. The subject is checked per
 * event: a released number registered again holds the next customer's events in the same
 * reservation stream.
 */
function personalFieldsOf(event: RecordedEvent, customerId: string): PersonalFieldEntry[] {
  const declaration = declarations.get(event.type);
  if (!declaration) return [];
  const subject = event.data[declaration.subject];
  if (typeof subject !== 'string' || subject.toLowerCase() !== customerId) return [];
  const source = {
    kind: 'event',
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    eventType: event.type,
    recordedAt: event.recordedAt.toISOString(),
  } as const;
  return declaration.fields.flatMap((field) => {
    const value = event.data[field];
    return typeof value === 'string' ? [{ field, value, source }] : [];
  });
}
