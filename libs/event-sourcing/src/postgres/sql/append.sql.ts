/**
 * The one append statement: the events of one or more streams (one append per stream), as the
 * first write of the transaction, each append guarded by its expected version. Per append the
 * guard reads (all of it before the first row is inserted, MATERIALIZED):
 * - `first_write`: no transaction id was assigned yet. If one was, this transaction may be
 *   older than a commit it has already read, and gap-safe readers (ordered by transaction id)
 *   could see a stream's versions out of order.
 * - `duplicate_id`: one of its command ids that is already recorded (a repeat of a committed
 *   command), or null. Looked up as `= ANY (ARRAY(…)) ORDER BY command_id LIMIT 1` so that
 *   every plan walks the primary key, whatever the statistics say: written as `IN (SELECT …)
 *   LIMIT 1`, the planner expects 100 ids and a match among the first rows, and a table of a
 *   few thousand commands was read whole on every append (a new command's id never matches);
 * - `current_version` against the expectation. A concurrent uncommitted append of the same
 *   version makes the insert wait on the unique index, then fail with 23505.
 * $2 decides what a failed guard does: false (group commit), that append inserts nothing and
 * is reported while the others go in; true (a multi-stream append), nothing is inserted.
 * It also writes each inserted append's snapshot, if it brings one.
 * Tamper evidence: each event's `event_hash` (es_event_hash) chains it to the previous event
 * of its stream, `previous_hash`: the head's hash is read with the head's version, so the
 * link is the event at the expected version, guarded like it by the unique
 * (stream_id, stream_version) index; appends to other streams wait on nothing more.
 *
 * $1: jsonb array of {streamId, kind ('version' | 'no_stream' | 'stream_exists' | 'any'),
 * version, commandIds: [uuid], snapshot: {schemaVersion, state} | null,
 * events: [{eventId, type, schemaVersion, data, metadata}]}; $2: boolean all or nothing.
 * Returns where each inserted event landed (`refused` false; its data and metadata are what
 * the caller sent, so they are not sent back) and one row per append whose own guard failed
 * (`refused` true, with its guard's findings; the event columns null).
 */
export const APPEND_SQL = `
WITH input AS (
  SELECT a.value->>'streamId' AS stream_id, a.value->>'kind' AS kind,
         (a.value->>'version')::integer AS expected_version, a.value->'commandIds' AS command_ids,
         a.value->'events' AS events, a.value->'snapshot' AS snapshot, a.ordinality AS ord
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(value, ordinality)
), guard AS MATERIALIZED (
  SELECT i.*, pg_current_xact_id_if_assigned() IS NULL AS first_write,
         COALESCE(head.stream_version, 0) AS current_version, head.event_hash AS head_hash,
         (SELECT c.command_id::text FROM es_commands c
           WHERE c.command_id = ANY (ARRAY(SELECT jsonb_array_elements_text(i.command_ids)::uuid))
           ORDER BY c.command_id LIMIT 1) AS duplicate_id
    FROM input i
    LEFT JOIN LATERAL (SELECT e.stream_version, e.event_hash FROM es_events e
                        WHERE e.stream_id = i.stream_id
                        ORDER BY e.stream_version DESC LIMIT 1) head ON true
), checked AS MATERIALIZED (
  SELECT g.*, g.first_write AND g.duplicate_id IS NULL AND CASE g.kind
                WHEN 'any' THEN true
                WHEN 'no_stream' THEN g.current_version = 0
                WHEN 'stream_exists' THEN g.current_version > 0
                ELSE g.current_version = g.expected_version
              END AS satisfied
    FROM guard g
), decided AS MATERIALIZED (
  SELECT c.*, c.satisfied AND (NOT $2::boolean OR (SELECT bool_and(satisfied) FROM checked)) AS ok
    FROM checked c
), fresh AS (
  SELECT d.stream_id, d.current_version + e.ordinality::integer AS stream_version,
         e.ordinality AS ord, (e.value->>'eventId')::uuid AS event_id, e.value->>'type' AS type,
         (e.value->>'schemaVersion')::integer AS schema_version, e.value->'data' AS data,
         e.value->'metadata' AS metadata,
         (e.value->'metadata'->>'occurredAt')::timestamptz AS occurred_at, d.head_hash
    FROM decided d
   CROSS JOIN jsonb_array_elements(d.events) WITH ORDINALITY AS e(value, ordinality)
   WHERE d.ok
), chained AS (
  -- Each event's hash covers its predecessor's: the stream's head for the first, then the
  -- event before it in this append (the fold of es_event_chain, in version order).
  SELECT f.*, es_event_chain(f.head_hash, f.stream_id, f.stream_version, f.event_id, f.type,
                             f.schema_version, f.data, f.metadata, f.occurred_at)
                OVER (PARTITION BY f.stream_id ORDER BY f.ord ROWS UNBOUNDED PRECEDING) AS event_hash
    FROM fresh f
), inserted AS (
  INSERT INTO es_events (event_id, stream_id, stream_version, type, schema_version, data, metadata,
                         occurred_at, previous_hash, event_hash)
  SELECT c.event_id, c.stream_id, c.stream_version, c.type, c.schema_version, c.data, c.metadata,
         c.occurred_at,
         COALESCE(lag(c.event_hash) OVER (PARTITION BY c.stream_id ORDER BY c.ord), c.head_hash),
         c.event_hash
    FROM chained c
   -- By stream, not by arrival: two transactions over the same streams then take their row
   -- locks in one order and cannot deadlock. Each stream's events stay in version order.
   ORDER BY c.stream_id, c.ord
  RETURNING global_position, transaction_id, event_id, stream_id, stream_version, recorded_at
), snapshots AS (
  INSERT INTO es_snapshots (stream_id, stream_version, schema_version, state)
  SELECT d.stream_id, d.current_version + jsonb_array_length(d.events),
         (d.snapshot->>'schemaVersion')::integer, d.snapshot->'state'
    FROM decided d
   WHERE d.ok AND jsonb_typeof(d.snapshot) = 'object'
  ON CONFLICT (stream_id) DO UPDATE
     SET stream_version = EXCLUDED.stream_version, schema_version = EXCLUDED.schema_version,
         state = EXCLUDED.state, created_at = now()
   WHERE es_snapshots.stream_version <= EXCLUDED.stream_version
)
SELECT false AS refused, global_position::text AS global_position,
       transaction_id::text AS transaction_id, event_id, stream_id, stream_version, recorded_at,
       NULL::boolean AS first_write, NULL::text AS duplicate_id, NULL::integer AS current_version
  FROM inserted
UNION ALL
SELECT true, NULL, NULL, NULL, d.stream_id, NULL, NULL, d.first_write, d.duplicate_id, d.current_version
  FROM decided d
 WHERE NOT d.satisfied`;

/**
 * The outbox rows and command records of an append, after its events, in its transaction.
 * $1: jsonb array of outbox rows (OutboxRowDraft); $2: jsonb array of {id, streamId, result}.
 */
export const RECORD_SQL = `
WITH outbox AS (
  INSERT INTO es_outbox (message_id, stream_id, stream_version, type, body, correlation_id,
                         causation_id, traceparent)
  SELECT (m.value->>'messageId')::uuid, m.value->>'streamId', (m.value->>'streamVersion')::integer,
         m.value->>'type', m.value->'body', m.value->>'correlationId', m.value->>'causationId',
         m.value->>'traceparent'
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS m(value, ordinality)
   ORDER BY m.ordinality
), commands AS (
  INSERT INTO es_commands (command_id, stream_id, result)
  SELECT (c.value->>'id')::uuid, c.value->>'streamId', c.value->'result'
    FROM jsonb_array_elements($2::jsonb) AS c(value)
)
SELECT 1 AS recorded`;
