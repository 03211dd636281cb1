import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer lists are ordered by time of registration, then id: keyset pages read this index.
 * A rebuild copies it to the new table under a generated name, so `down` drops it only when
 * it still has this one.
 */
export class CustomerListOrder1732300000032 implements MigrationInterface {
  name = 'CustomerListOrder1732300000032';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS customer_summaries_registered_idx
         ON customer_summaries (registered_at, customer_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS customer_summaries_registered_idx`);
  }
}
