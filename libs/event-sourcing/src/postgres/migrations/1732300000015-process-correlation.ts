import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A process remembers the correlation id of the event that started it, and each command it
 * decides carries it, so the whole chain traces back to the original request. Rows from
 * before have none; they fall back to the process id.
 */
export class ProcessCorrelation1732300000015 implements MigrationInterface {
  name = 'ProcessCorrelation1732300000015';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE es_process_state ADD COLUMN correlation_id text`);
    await queryRunner.query(`ALTER TABLE es_process_commands ADD COLUMN correlation_id text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE es_process_commands DROP COLUMN correlation_id`);
    await queryRunner.query(`ALTER TABLE es_process_state DROP COLUMN correlation_id`);
  }
}
