import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log, the command-id record and their indexes.
 * - `(stream_id, stream_version)` unique: the optimistic lock. Appends never use
 *   ON CONFLICT DO NOTHING, so a lost race fails loudly.
 * - `transaction_id` (xid8) + the `(transaction_id, global_position)` index: gap-safe reads.
 */
export class EventStoreSchema1732300000000 implements MigrationInterface {
  name = 'EventStoreSchema1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE es_events (
        global_position bigserial PRIMARY KEY,
        transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
        event_id        uuid        NOT NULL,
        stream_id       text        NOT NULL,
        stream_version  integer     NOT NULL CHECK (stream_version > 0),
        type            text        NOT NULL,
        schema_version  integer     NOT NULL DEFAULT 1,
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT es_events_event_id_key UNIQUE (event_id),
        CONSTRAINT es_events_stream_version_key UNIQUE (stream_id, stream_version)
      )`);
    await queryRunner.query(
      `CREATE INDEX es_events_log_order_idx ON es_events (transaction_id, global_position)`,
    );
    await queryRunner.query(`
      CREATE TABLE es_commands (
        command_id  uuid        PRIMARY KEY,
        stream_id   text        NOT NULL,
        result      jsonb       NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE es_commands`);
    await queryRunner.query(`DROP TABLE es_events`);
  }
}
