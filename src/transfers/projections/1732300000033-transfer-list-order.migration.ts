import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An account's transfers are listed by time of initiation, then id: keyset pages read these
 * indexes (one per side of the transfer). A rebuild copies them to the new table under
 * generated names, so `down` drops them only when they still have these.
 */
export class TransferListOrder1732300000033 implements MigrationInterface {
  name = 'TransferListOrder1732300000033';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS transfer_summaries_from_created_idx
         ON transfer_summaries (from_account_id, created_at, transfer_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS transfer_summaries_to_created_idx
         ON transfer_summaries (to_account_id, created_at, transfer_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS transfer_summaries_to_created_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS transfer_summaries_from_created_idx`);
  }
}
