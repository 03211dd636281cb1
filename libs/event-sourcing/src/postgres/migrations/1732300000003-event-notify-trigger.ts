import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every statement that inserts events sends one NOTIFY on `ledgerline_events` (delivered at
 * commit, dropped on rollback). It only wakes readers; they always read through the gap-safe
 * query, never from the payload (NOTIFY order is commit order, not log order).
 */
export class EventNotifyTrigger1732300000003 implements MigrationInterface {
  name = 'EventNotifyTrigger1732300000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION es_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ledgerline_events', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER es_events_notify AFTER INSERT ON es_events
      FOR EACH STATEMENT EXECUTE FUNCTION es_notify_events()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER es_events_notify ON es_events`);
    await queryRunner.query(`DROP FUNCTION es_notify_events()`);
  }
}
