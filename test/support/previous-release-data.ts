import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventMetadata } from '@ledgerline/event-sourcing';
import { PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { customerStreamId } from '../../src/customers/domain/customer.state';

export interface PreviousReleaseCustomer {
  readonly customerId: string;
  readonly name: string;
  readonly email: string;
  readonly documentNumber: string;
}

export const previousReleaseMetadata = (): EventMetadata => ({
  commandId: randomUUID(),
  correlationId: 'previous-release',
  causationId: 'previous-release',
  actor: 'previous-release',
  occurredAt: new Date().toISOString(),
});

/**
 * The previous release's data, as it wrote it: no protection, personal fields in plain text,
 * the reservation stream named after the normalised number (a snapshot and a command record
 * naming it too). Ada registers and changes her contact details; Bob registers and leaves.
 */
export async function writePreviousReleaseData(dataSource: DataSource) {
  const store = new PostgresEventStore(dataSource, { notifyCommits: false });
  const suffix = randomUUID()
    .slice(0, 6)
    .replace(/[^0-9]/g, '7');
  const ada: PreviousReleaseCustomer = {
    customerId: randomUUID(),
    name: 'Ada Lovelace',
    email: `ada.${suffix}@example.test`,
    documentNumber: `PQ${suffix}`,
  };
  const bob: PreviousReleaseCustomer = {
    customerId: randomUUID(),
    name: 'Bob Babbage',
    email: `bob.${suffix}@example.test`,
    documentNumber: `ZX${suffix}`,
  };
  const adaKing = { name: 'Ada King', email: `ada.king.${suffix}@example.test` };
  for (const customer of [ada, bob]) {
    const reservation = `customer-document-${customer.documentNumber}`;
    await store.appendToStreams(
      [
        {
          streamId: customerStreamId(customer.customerId),
          expected: 'no_stream',
          events: [{ type: 'CustomerRegistered', data: { ...customer } }],
        },
        {
          streamId: reservation,
          expected: 'no_stream',
          events: [
            {
              type: 'DocumentNumberReserved',
              data: { documentNumber: customer.documentNumber, customerId: customer.customerId },
            },
          ],
        },
      ],
      {
        metadata: previousReleaseMetadata(),
        command: { id: randomUUID(), result: () => ({ ok: true }) },
      },
    );
    await dataSource.query(
      `INSERT INTO es_snapshots (stream_id, stream_version, schema_version, state)
       VALUES ($1, 1, 1, '{"status":"RESERVED"}')`,
      [reservation],
    );
  }
  await store.appendToStream(
    customerStreamId(ada.customerId),
    1,
    [{ type: 'CustomerContactDetailsChanged', data: { customerId: ada.customerId, ...adaKing } }],
    { metadata: previousReleaseMetadata() },
  );
  await store.appendToStreams(
    [
      {
        streamId: customerStreamId(bob.customerId),
        expected: 1,
        events: [{ type: 'CustomerUnregistered', data: { customerId: bob.customerId } }],
      },
      {
        streamId: `customer-document-${bob.documentNumber}`,
        expected: 1,
        events: [
          {
            type: 'DocumentNumberReleased',
            data: { documentNumber: bob.documentNumber, customerId: bob.customerId },
          },
        ],
      },
    ],
    { metadata: previousReleaseMetadata() },
  );
  const secrets = [ada, bob].flatMap((c) => [c.name, c.email, c.documentNumber]);
  return { ada, bob, adaKing, secrets: [...secrets, adaKing.name, adaKing.email] };
}
