import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox (written in the append transaction, published by relays) and the
 * consumers' inbox (message ids handled, written in the consumer's own transaction).
 * - `es_outbox_pending_idx` serves the claim's walk in id order over unpublished rows, and
 *   `es_outbox_unpublished_idx` its check of each stream's earlier rows.
 * - `es_outbox_published_idx` serves the retention clean-up.
 */
export class OutboxAndInbox1732300000005 implements MigrationInterface {
  name = 'OutboxAndInbox1732300000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE es_outbox (
        id             bigserial   PRIMARY KEY,
        message_id     uuid        NOT NULL,
        stream_id      text        NOT NULL,
        stream_version integer     NOT NULL,
        type           text        NOT NULL,
        body           jsonb       NOT NULL,
        correlation_id text        NOT NULL,
        causation_id   text        NOT NULL,
        status         text        NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'published', 'dead')),
        attempts       integer     NOT NULL DEFAULT 0,
        available_at   timestamptz NOT NULL DEFAULT now(),
        claimed_by     uuid,
        claimed_until  timestamptz,
        last_error     text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        published_at   timestamptz,
        CONSTRAINT es_outbox_message_id_key UNIQUE (message_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX es_outbox_unpublished_idx ON es_outbox (stream_id, id) WHERE status <> 'published'`,
    );
    await queryRunner.query(
      `CREATE INDEX es_outbox_pending_idx ON es_outbox (id) WHERE status <> 'published'`,
    );
    await queryRunner.query(
      `CREATE INDEX es_outbox_published_idx ON es_outbox (published_at) WHERE status = 'published'`,
    );
    await queryRunner.query(`
      CREATE TABLE es_inbox (
        consumer     text        NOT NULL,
        -- text, not uuid: consumers may receive messages from publishers with other id formats.
        message_id   text        NOT NULL,
        handled_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE es_inbox`);
    await queryRunner.query(`DROP TABLE es_outbox`);
  }
}
