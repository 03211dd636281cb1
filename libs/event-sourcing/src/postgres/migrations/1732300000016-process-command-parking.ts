import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A process command that keeps failing is parked after its last allowed attempt instead of
 * being retried forever: status 'parked' until an operator retries it. `last_error` keeps the
 * last failure's text (`outcome` becomes 'handled' once a retry succeeds) and `updated_at` the
 * time of the last failure, park or operator retry (null on rows from before: nothing changed
 * them since they were stored).
 */
export class ProcessCommandParking1732300000016 implements MigrationInterface {
  name = 'ProcessCommandParking1732300000016';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE es_process_commands DROP CONSTRAINT es_process_commands_status_check`,
    );
    await queryRunner.query(`
      ALTER TABLE es_process_commands
        ADD CONSTRAINT es_process_commands_status_check
            CHECK (status IN ('pending', 'done', 'rejected', 'parked')),
        ADD COLUMN last_error text,
        ADD COLUMN updated_at timestamptz`);
    // Parked commands are few and listed often (operators, the parked-commands gauge).
    await queryRunner.query(
      `CREATE INDEX es_process_commands_parked_idx ON es_process_commands (seq) WHERE status = 'parked'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX es_process_commands_parked_idx`);
    // The older code knows no parked state: those commands go back to being retried.
    await queryRunner.query(
      `UPDATE es_process_commands SET status = 'pending', available_at = now() WHERE status = 'parked'`,
    );
    await queryRunner.query(
      `ALTER TABLE es_process_commands DROP CONSTRAINT es_process_commands_status_check`,
    );
    await queryRunner.query(`
      ALTER TABLE es_process_commands
        ADD CONSTRAINT es_process_commands_status_check
            CHECK (status IN ('pending', 'done', 'rejected')),
        DROP COLUMN updated_at,
        DROP COLUMN last_error`);
  }
}
