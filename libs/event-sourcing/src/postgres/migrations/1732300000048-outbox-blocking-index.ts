import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer index entries per outbox message, written at the append, the claim and the publication.
 * - A claim needs, per stream, the first row that holds the stream back. Only a dead letter, a
 *   claimed row or a row waiting for its time (a backoff, a release) can: a fresh row (its
 *   `available_at` still its `created_at`) never does. `es_outbox_blocking_idx` holds just those
 *   rows, a handful in a healthy outbox, so the claim reads them all at once. It replaces
 *   `es_outbox_unpublished_idx`, which held every unpublished row.
 * - The unique index of message ids goes: nothing looks a message up by its id, and the ids are
 *   unique by construction (a UUIDv5 of the causing event's id, unique in `es_events`, and the
 *   message's place among that event's messages), written only with their event.
 */
export class OutboxBlockingIndex1732300000048 implements MigrationInterface {
  name = 'OutboxBlockingIndex1732300000048';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX es_outbox_blocking_idx ON es_outbox (id)
        WHERE (status = 'dead'
            OR (status = 'pending' AND (claimed_until IS NOT NULL OR available_at > created_at)))`,
    );
    await queryRunner.query(`DROP INDEX es_outbox_unpublished_idx`);
    await queryRunner.query(`ALTER TABLE es_outbox DROP CONSTRAINT es_outbox_message_id_key`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE es_outbox ADD CONSTRAINT es_outbox_message_id_key UNIQUE (message_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX es_outbox_unpublished_idx ON es_outbox (stream_id, id) WHERE status <> 'published'`,
    );
    await queryRunner.query(`DROP INDEX es_outbox_blocking_idx`);
  }
}
