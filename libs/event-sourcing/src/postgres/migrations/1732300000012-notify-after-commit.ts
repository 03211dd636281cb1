import { MigrationInterface, QueryRunner } from 'typeorm';
import { EventNotifyTrigger1732300000003 } from './1732300000003-event-notify-trigger';

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
    await new EventNotifyTrigger1732300000003().down(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Exactly what migration 0003 created.
    await new EventNotifyTrigger1732300000003().up(queryRunner);
  }
}
