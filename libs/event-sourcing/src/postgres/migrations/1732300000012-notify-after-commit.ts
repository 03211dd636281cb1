import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the per-statement NOTIFY trigger of migration 0003. A transaction that sent a NOTIFY
 * holds one cluster-wide lock from its pre-commit until its commit record is flushed, so
 * every append was committed one at a time: with 16 writers the trigger alone cost a third
 * of the append throughput (bench/gap-safety). Appends now commit without it and the store's
 * owner sends a coalesced NOTIFY after the commit (PostgresCommitNotifier).
 */
export class NotifyAfterCommit1732300000012 implements MigrationInterface {
  name = 'NotifyAfterCommit1732300000012';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER es_events_notify ON es_events`);
    await queryRunner.query(`DROP FUNCTION es_notify_events()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
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
}
