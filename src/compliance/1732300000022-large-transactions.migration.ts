import { MigrationInterface, QueryRunner } from 'typeorm';

/** The compliance context's report of large cash movements, kept by its events handler. */
export class LargeTransactions1732300000022 implements MigrationInterface {
  name = 'LargeTransactions1732300000022';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per event: a second delivery of the same event would fail on the key instead of
    // counting a movement twice.
    await queryRunner.query(`
      CREATE TABLE compliance_large_transactions (
        event_id        uuid        PRIMARY KEY,
        global_position bigint      NOT NULL UNIQUE,
        account_id      uuid        NOT NULL,
        kind            text        NOT NULL CHECK (kind IN ('deposit', 'withdrawal')),
        amount          bigint      NOT NULL CHECK (amount > 0),
        occurred_at     timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE compliance_large_transactions`);
  }
}
