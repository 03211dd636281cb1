import { MigrationInterface, QueryRunner } from 'typeorm';

/** Serves the inbox retention clean-up's walk over the oldest handled messages. */
export class InboxRetention1732300000014 implements MigrationInterface {
  name = 'InboxRetention1732300000014';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX es_inbox_handled_at_idx ON es_inbox (handled_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX es_inbox_handled_at_idx`);
  }
}
