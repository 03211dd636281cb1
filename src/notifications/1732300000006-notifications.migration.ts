import { MigrationInterface, QueryRunner } from 'typeorm';

/** The notifications context's own table, filled by its consumer of public events. */
export class Notifications1732300000006 implements MigrationInterface {
  name = 'Notifications1732300000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE withdrawal_notifications (
        id          bigserial   PRIMARY KEY,
        message_id  uuid        NOT NULL,
        account_id  uuid        NOT NULL,
        amount      bigint      NOT NULL,
        occurred_at timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX withdrawal_notifications_account_idx ON withdrawal_notifications (account_id, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE withdrawal_notifications`);
  }
}
