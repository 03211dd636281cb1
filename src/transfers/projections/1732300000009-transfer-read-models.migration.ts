import { MigrationInterface, QueryRunner } from 'typeorm';

/** The transfers read model, for listing an account's transfers. */
export class TransferReadModels1732300000009 implements MigrationInterface {
  name = 'TransferReadModels1732300000009';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE transfer_summaries (
        transfer_id     uuid        PRIMARY KEY,
        from_account_id uuid        NOT NULL,
        to_account_id   uuid        NOT NULL,
        amount          bigint      NOT NULL,
        currency        text        NOT NULL,
        status          text        NOT NULL,
        reason          text,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX transfer_summaries_from_idx ON transfer_summaries (from_account_id, transfer_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX transfer_summaries_to_idx ON transfer_summaries (to_account_id, transfer_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE transfer_summaries`);
  }
}
