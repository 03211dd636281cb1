import { MigrationInterface, QueryRunner } from 'typeorm';

/** Read tables of the accounts context; derived from the event log, rebuildable at any time. */
export class AccountReadModels1732300000004 implements MigrationInterface {
  name = 'AccountReadModels1732300000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE account_summaries (
        account_id  uuid        PRIMARY KEY,
        customer_id uuid        NOT NULL,
        currency    text        NOT NULL,
        balance     bigint      NOT NULL,
        status      text        NOT NULL,
        version     integer     NOT NULL,
        opened_at   timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX account_summaries_customer_idx ON account_summaries (customer_id, account_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX account_summaries_status_idx ON account_summaries (status, account_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE daily_totals (
        day                date    NOT NULL,
        currency           text    NOT NULL,
        deposits_amount    bigint  NOT NULL,
        deposits_count     integer NOT NULL,
        withdrawals_amount bigint  NOT NULL,
        withdrawals_count  integer NOT NULL,
        PRIMARY KEY (day, currency)
      )`);
    await queryRunner.query(`
      CREATE TABLE daily_totals_currencies (account_id uuid PRIMARY KEY, currency text NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE daily_totals_currencies`);
    await queryRunner.query(`DROP TABLE daily_totals`);
    await queryRunner.query(`DROP TABLE account_summaries`);
  }
}
