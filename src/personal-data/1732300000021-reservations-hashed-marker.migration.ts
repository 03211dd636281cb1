import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row once every document reservation stream is named by its keyed hash (a database of
 * this release from the start, or one `npm run pii:migrate` converted): the start-up check
 * then reads this row instead of scanning the event log for plain reservation streams.
 */
export class ReservationsHashedMarker1732300000021 implements MigrationInterface {
  name = 'ReservationsHashedMarker1732300000021';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pii_reservations_hashed (
        id    smallint    PRIMARY KEY CHECK (id = 1),
        since timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pii_reservations_hashed`);
  }
}
