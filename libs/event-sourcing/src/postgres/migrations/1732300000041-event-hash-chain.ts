import { MigrationInterface, QueryRunner } from 'typeorm';
import { RECHAIN_SQL } from '../tamper-evidence/rechain.sql';

/**
 * Tamper evidence. Every event carries `event_hash`, a SHA-256 over its content and the hash
 * of the previous event of its stream (`previous_hash`, null for a stream's first event):
 * `es_event_hash` is the one definition of that encoding (see docs/guarantees.md), the append
 * statement and the verification both call it. `es_event_chain` folds it over a stream's
 * events in version order (an aggregate, so a multi-event append chains within one INSERT).
 * `es_audit_checkpoints` holds the signed checkpoints over the global log, and
 * `es_audit_rechains` records every legitimate rewrite that re-chained events. Rows from
 * before are chained here, in stream order.
 */
export class EventHashChain1732300000041 implements MigrationInterface {
  name = 'EventHashChain1732300000041';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The encoding: SHA-256 of the previous hash's 32 bytes (none for version 1) followed by
    // the UTF-8 text of a JSON array of the event's fields in this order. json_build_array
    // writes data and metadata in jsonb's text form, which is canonical (keys sorted, no
    // insignificant spaces), and the timestamp in UTC with microseconds, so neither the
    // session's time zone nor the client's JSON formatting changes a hash. (json, not jsonb:
    // the array is only written out, and building a jsonb first costs a third more.) The database assigns position, transaction id and
    // recorded_at: the checkpoints cover the log's order, the chain covers the content.
    await queryRunner.query(`
      CREATE FUNCTION es_event_hash(previous bytea, stream_id text, stream_version integer,
                                    event_id uuid, type text, schema_version integer,
                                    data jsonb, metadata jsonb, occurred_at timestamptz)
      RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT sha256(coalesce(previous, '\\x'::bytea) || convert_to(json_build_array(
                 stream_id, stream_version, event_id, type, schema_version,
                 to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                 metadata, data)::text, 'UTF8'))
      $$`);
    // The state is the previous event's hash; \`head\` is the hash the stream ended with before
    // the rows folded (null for a new stream), taken on the first row only. PL/pgSQL, not SQL:
    // an aggregate's step is never inlined, and a SQL function called that way is parsed and
    // planned again by every execution of the append, where PL/pgSQL keeps its plan (with
    // es_event_hash inlined into it) for the session.
    await queryRunner.query(`
      CREATE FUNCTION es_event_chain_step(state bytea, head bytea, stream_id text,
                                          stream_version integer, event_id uuid, type text,
                                          schema_version integer, data jsonb, metadata jsonb,
                                          occurred_at timestamptz)
      RETURNS bytea LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
      BEGIN
        RETURN es_event_hash(coalesce(state, head), stream_id, stream_version, event_id, type,
                             schema_version, data, metadata, occurred_at);
      END
      $$`);
    await queryRunner.query(`
      CREATE AGGREGATE es_event_chain(bytea, text, integer, uuid, text, integer, jsonb, jsonb,
                                      timestamptz) (SFUNC = es_event_chain_step, STYPE = bytea)`);
    await queryRunner.query(
      `ALTER TABLE es_events ADD COLUMN previous_hash bytea, ADD COLUMN event_hash bytea`,
    );
    await queryRunner.query(RECHAIN_SQL);
    await queryRunner.query(`
      CREATE TABLE es_audit_checkpoints (
        sequence        bigint      PRIMARY KEY CHECK (sequence > 0),
        transaction_id  xid8        NOT NULL,
        global_position bigint      NOT NULL,
        events          bigint      NOT NULL,
        digest          bytea       NOT NULL,
        signature       bytea       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        signed_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE es_audit_rechains (
        id                   bigserial   PRIMARY KEY,
        reason               text        NOT NULL,
        events               bigint      NOT NULL,
        checkpoints_resigned bigint      NOT NULL,
        recorded_at          timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE es_audit_rechains`);
    await queryRunner.query(`DROP TABLE es_audit_checkpoints`);
    await queryRunner.query(
      `ALTER TABLE es_events DROP COLUMN event_hash, DROP COLUMN previous_hash`,
    );
    await queryRunner.query(
      `DROP AGGREGATE es_event_chain(bytea, text, integer, uuid, text, integer, jsonb, jsonb, timestamptz)`,
    );
    await queryRunner.query(
      `DROP FUNCTION es_event_chain_step(bytea, bytea, text, integer, uuid, text, integer, jsonb, jsonb, timestamptz)`,
    );
    await queryRunner.query(
      `DROP FUNCTION es_event_hash(bytea, text, integer, uuid, text, integer, jsonb, jsonb, timestamptz)`,
    );
  }
}
