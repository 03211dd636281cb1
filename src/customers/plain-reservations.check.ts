import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PLAIN_RESERVATION_STREAMS_SQL } from './domain/document-reservation';

/**
 * Stops the start while reservations named after the document number itself are left from
 * an earlier release: registration now looks for the keyed-hash stream only, and would take
 * such a number a second time. `npm run pii:migrate` moves them (and seals what they hold).
 */
@Injectable()
export class PlainReservationsCheck implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const [{ count }] = await this.dataSource.query<{ count: number }[]>(
      PLAIN_RESERVATION_STREAMS_SQL,
    );
    if (count > 0)
      throw new Error(
        `${count} document reservations are still named after the document number (an earlier ` +
          'release): run `npm run pii:migrate` before starting this release',
      );
  }
}
