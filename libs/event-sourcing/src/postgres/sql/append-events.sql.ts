/**
 * Appends a batch of events in one statement, as the first write of the transaction.
 *
 * The MATERIALIZED guard is evaluated once, before the first row is inserted:
 * - `first_write`: no transaction id was assigned yet. If one was, this transaction may be
 *   older than a commit it has already read, and gap-safe readers (ordered by transaction
 *   id) could see this stream's versions out of order. Zero rows come back; the caller
 *   diagnoses.
 * - `current_version`: the stream's committed version. A concurrent uncommitted append of
 *   the same version makes this insert wait on the unique index, then fail with 23505.
 *
 * Parameters: $1 stream id, $2 jsonb array of {eventId, type, schemaVersion, data},
 * $3 metadata jsonb, $4 occurred-at, $5 expected kind ('version' | 'no_stream' |
 * 'stream_exists' | 'any'), $6 expected version (for 'version').
 */
export const APPEND_EVENTS_SQL = `
WITH guard AS MATERIALIZED (
  SELECT pg_current_xact_id_if_assigned() IS NULL AS first_write,
         COALESCE((SELECT max(stream_version) FROM es_events WHERE stream_id = $1), 0) AS current_version
)
INSERT INTO es_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
SELECT (e.value->>'eventId')::uuid, $1, g.current_version + e.ordinality::integer, e.value->>'type',
       (e.value->>'schemaVersion')::integer, e.value->'data', $3::jsonb, $4::timestamptz
  FROM guard g
 CROSS JOIN jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, ordinality)
 WHERE g.first_write
   AND CASE $5::text
         WHEN 'any' THEN true
         WHEN 'no_stream' THEN g.current_version = 0
         WHEN 'stream_exists' THEN g.current_version > 0
         ELSE g.current_version = $6::integer
       END
RETURNING global_position::text AS global_position, transaction_id::text AS transaction_id,
          event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at`;

/** Why an append inserted nothing: read without assigning a transaction id. */
export const APPEND_DIAGNOSIS_SQL = `
SELECT pg_current_xact_id_if_assigned() IS NULL AS first_write,
       COALESCE((SELECT max(stream_version) FROM es_events WHERE stream_id = $1), 0) AS current_version`;
