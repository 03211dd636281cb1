/**
 * Appends the events of one or more streams in one statement, as the first write of the
 * transaction, all or nothing.
 *
 * The MATERIALIZED guard is evaluated for every stream before the first row is inserted
 * (the `satisfied` aggregate needs all of it):
 * - `first_write`: no transaction id was assigned yet. If one was, this transaction may be
 *   older than a commit it has already read, and gap-safe readers (ordered by transaction
 *   id) could see a stream's versions out of order. Zero rows come back; the caller diagnoses.
 * - `current_version`: each stream's committed version. A concurrent uncommitted append of
 *   the same version makes this insert wait on the unique index, then fail with 23505.
 *
 * Parameters: $1 jsonb array of {streamId, kind ('version' | 'no_stream' | 'stream_exists' |
 * 'any'), version (for 'version'), events: [{eventId, type, schemaVersion, data}]},
 * $2 metadata jsonb, $3 occurred-at.
 */
export const APPEND_EVENTS_SQL = `
WITH input AS (
  SELECT s.ordinality AS stream_ord, s.value->>'streamId' AS stream_id, s.value->>'kind' AS kind,
         (s.value->>'version')::integer AS expected_version, s.value->'events' AS events
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS s(value, ordinality)
), guard AS MATERIALIZED (
  SELECT i.*, pg_current_xact_id_if_assigned() IS NULL AS first_write,
         COALESCE((SELECT max(e.stream_version) FROM es_events e WHERE e.stream_id = i.stream_id), 0)
           AS current_version
    FROM input i
), satisfied AS (
  SELECT bool_and(first_write AND CASE kind
                    WHEN 'any' THEN true
                    WHEN 'no_stream' THEN current_version = 0
                    WHEN 'stream_exists' THEN current_version > 0
                    ELSE current_version = expected_version
                  END) AS ok
    FROM guard
)
INSERT INTO es_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
SELECT (e.value->>'eventId')::uuid, g.stream_id, g.current_version + e.ordinality::integer, e.value->>'type',
       (e.value->>'schemaVersion')::integer, e.value->'data', $2::jsonb, $3::timestamptz
  FROM guard g
 CROSS JOIN satisfied s
 CROSS JOIN jsonb_array_elements(g.events) WITH ORDINALITY AS e(value, ordinality)
 WHERE s.ok
 ORDER BY g.stream_ord, e.ordinality
RETURNING global_position::text AS global_position, transaction_id::text AS transaction_id,
          event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at`;

/** Why an append inserted nothing: read without assigning a transaction id. $1 text[] streams. */
export const APPEND_DIAGNOSIS_SQL = `
SELECT pg_current_xact_id_if_assigned() IS NULL AS first_write, s.stream_id,
       COALESCE((SELECT max(stream_version) FROM es_events e WHERE e.stream_id = s.stream_id), 0)
         AS current_version
  FROM unnest($1::text[]) AS s(stream_id)`;
