import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  MARK_RESERVATIONS_HASHED_SQL,
  PLAIN_RESERVATION_STREAMS_SQL,
  RESERVATIONS_HASHED_SQL,
} from './domain/document-reservation';

/**
 * Stops the start while reservations named after the document number itself are left from
 * an earlier release: registration now looks for the keyed-hash stream only, and would take
 * such a number a second time. `npm run pii:migrate` moves them (and seals what they hold).
 * The log is scanned once: found clean, the database is marked, and later starts read the
 * mark (a scan of a large log would hold up every start).
 */
@Injectable()
export class PlainReservationsCheck implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    if ((await this.dataSource.query<unknown[]>(RESERVATIONS_HASHED_SQL)).length > 0) return;
    const [{ count }] = await this.dataSource.query<{ count: number }[]>(
      PLAIN_RESERVATION_STREAMS_SQL,
    );
    if (count > 0)
      throw new Error(
        `${count} document reservations are still named after the document number (an earlier ` +
          'release): run `npm run pii:migrate` before starting this release',
      );
    await this.dataSource.query(MARK_RESERVATIONS_HASHED_SQL);
  }
}
