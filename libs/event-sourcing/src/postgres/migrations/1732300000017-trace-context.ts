import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context (`traceparent`) travels with the work an event causes: an outbox
 * message is published under its event's trace, a process command is sent under its cause's.
 * Events keep theirs in `metadata`. Null where tracing was off and on rows from before.
 */
export class TraceContext1732300000017 implements MigrationInterface {
  name = 'TraceContext1732300000017';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE es_outbox ADD COLUMN traceparent text`);
    await queryRunner.query(`ALTER TABLE es_process_commands ADD COLUMN traceparent text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE es_process_commands DROP COLUMN traceparent`);
    await queryRunner.query(`ALTER TABLE es_outbox DROP COLUMN traceparent`);
  }
}
