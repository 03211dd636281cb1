/**
 * Head and lag of every checkpoint against the gap-safe head (what readAll can deliver now),
 * in one statement so all figures come from one snapshot, with the rebuild in progress (a
 * claim whose lease has not run out), whichever process runs it. $1 the checkpoint names.
 */
export const PROJECTION_STATUS_SQL = `
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
     head AS (
       SELECT COALESCE(max(global_position), 0) AS position
         FROM es_events, horizon WHERE transaction_id < horizon.xmin)
SELECT p.name, p.global_position::text AS position, head.position::text AS head_position,
       p.parked, p.failures, p.last_error,
       (SELECT count(*) FROM es_events e, horizon
         WHERE e.transaction_id < horizon.xmin
           AND (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position))::int AS lag_events,
       COALESCE((SELECT (extract(epoch FROM now() - min(e.recorded_at)) * 1000)::bigint FROM es_events e, horizon
         WHERE e.transaction_id < horizon.xmin
           AND (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position)), 0)::int AS lag_ms,
       r.claimed_by AS rebuild_by, r.started_at AS rebuild_started_at,
       r.position::text AS rebuild_position, r.head::text AS rebuild_head
  FROM es_projections p
 CROSS JOIN head
  LEFT JOIN projection_rebuilds r ON r.name = p.name AND r.lease_until >= clock_timestamp()
 WHERE p.name = ANY($1::text[])
 ORDER BY p.name`;

/**
 * Whether a projection's read model includes the event at a global position (read-your-writes):
 * its checkpoint is at or past the event, or the event is readable and no event of the
 * projection's types lies between the checkpoint and it. The second case answers at once for an
 * event the projection ignores while its runner holds the checkpoint back over such events.
 * "Readable" matters: only then has every transaction ordered before the event committed, so
 * nothing relevant can still appear in between. False while the event is not yet visible.
 * $1 name, $2 position, $3 the projection's event types (null: the checkpoint rule alone).
 */
export const HAS_PROCESSED_SQL = `
SELECT EXISTS (
  SELECT 1 FROM es_events e JOIN es_projections p ON p.name = $1
   WHERE e.global_position = $2::bigint
     AND ((e.transaction_id, e.global_position) <= (p.transaction_id, p.global_position)
          OR ($3::text[] IS NOT NULL
              AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
              AND NOT EXISTS (
                SELECT 1 FROM es_events r
                 WHERE (r.transaction_id, r.global_position) > (p.transaction_id, p.global_position)
                   AND (r.transaction_id, r.global_position) <= (e.transaction_id, e.global_position)
                   AND r.type = ANY($3::text[]))))) AS processed`;
