import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transfers in one status across all accounts (the approvals waiting) are listed by time of
 * initiation, then id: keyset pages read this index. A rebuild copies it to the new table
 * under a generated name, so `down` drops it only when it still has this one.
 */
export class TransferStatusList1732300000047 implements MigrationInterface {
  name = 'TransferStatusList1732300000047';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS transfer_summaries_status_created_idx
         ON transfer_summaries (status, created_at, transfer_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS transfer_summaries_status_created_idx`);
  }
}
