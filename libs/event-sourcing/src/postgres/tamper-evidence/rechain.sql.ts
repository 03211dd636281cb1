/**
 * Recomputes every event's chain in stream order (es_event_chain) and writes the hashes that
 * differ: the migration's back-fill, and the re-chain after a legitimate rewrite of events.
 * Returns how many events it changed and the first of them in log order (null when none).
 */
export const RECHAIN_SQL = `
WITH folded AS (
  SELECT e.global_position,
         es_event_chain(NULL::bytea, e.stream_id, e.stream_version, e.event_id, e.type,
                        e.schema_version, e.data, e.metadata, e.occurred_at)
           OVER (PARTITION BY e.stream_id ORDER BY e.stream_version ROWS UNBOUNDED PRECEDING)
           AS event_hash,
         e.stream_id, e.stream_version
    FROM es_events e
), chained AS (
  SELECT f.global_position, f.event_hash,
         lag(f.event_hash) OVER (PARTITION BY f.stream_id ORDER BY f.stream_version)
           AS previous_hash
    FROM folded f
), changed AS (
  UPDATE es_events e SET previous_hash = c.previous_hash, event_hash = c.event_hash
    FROM chained c
   WHERE e.global_position = c.global_position
     AND (e.event_hash IS DISTINCT FROM c.event_hash
          OR e.previous_hash IS DISTINCT FROM c.previous_hash)
  RETURNING e.transaction_id, e.global_position
)
SELECT (SELECT count(*) FROM changed)::int AS events,
       first.transaction_id::text AS transaction_id, first.global_position::text AS global_position
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT transaction_id, global_position FROM changed
                      ORDER BY transaction_id, global_position LIMIT 1) AS first ON true`;
