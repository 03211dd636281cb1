import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account lists are ordered by time of opening, then id: keyset pages read these indexes.
 * A rebuild copies them to the new tables (LIKE ... INCLUDING ALL), under generated names,
 * so `down` drops them only when they still have these.
 */
export class AccountListOrder1732300000031 implements MigrationInterface {
  name = 'AccountListOrder1732300000031';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS account_summaries_opened_idx ON account_summaries (opened_at, account_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS account_summaries_customer_opened_idx
         ON account_summaries (customer_id, opened_at, account_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS account_summaries_customer_opened_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS account_summaries_opened_idx`);
  }
}
