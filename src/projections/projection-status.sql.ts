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
 * Read-your-writes, first look: whether projection $1 has processed the event at global
 * position $2 by its checkpoint; if not, and the event is readable (every transaction ordered
 * before it has ended, so nothing can still appear before it), the last event of its types
 * $3 between the checkpoint and the event. None there means its rows already include the
 * event: it ignores the event and everything since its checkpoint (a runner holds its
 * checkpoint over such batches). Otherwise the reader waits for the checkpoint to pass that
 * event, which never changes, so later polls are a primary-key lookup (HAS_PASSED_SQL).
 * The backward index scan stops at the first relevant event; only a projection more than
 * $4 positions behind skips it and waits for the event itself. No checkpoint row yet counts
 * as position 0. `target_*` are null while the event is not readable or does not exist.
 */
export const READ_YOUR_WRITES_SQL = `
WITH p AS (
  SELECT COALESCE(max(transaction_id), '0'::xid8) AS transaction_id,
         COALESCE(max(global_position), 0) AS global_position
    FROM es_projections WHERE name = $1),
     e AS (
  SELECT transaction_id, global_position FROM es_events WHERE global_position = $2::bigint)
SELECT (e.transaction_id, e.global_position) <= (p.transaction_id, p.global_position) AS processed,
       e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) AS readable,
       e.global_position - p.global_position <= $4::bigint AS scanned,
       e.transaction_id::text AS event_transaction_id, e.global_position::text AS event_position,
       r.transaction_id::text AS relevant_transaction_id,
       r.global_position::text AS relevant_position
  FROM e CROSS JOIN p
  LEFT JOIN LATERAL (
    SELECT r.transaction_id, r.global_position FROM es_events r
     WHERE e.global_position - p.global_position <= $4::bigint
       AND (r.transaction_id, r.global_position) <= (e.transaction_id, e.global_position)
       AND (r.transaction_id, r.global_position) > (p.transaction_id, p.global_position)
       AND r.type = ANY($3::text[])
     ORDER BY r.transaction_id DESC, r.global_position DESC
     LIMIT 1) r ON true`;

/** Whether projection $1's checkpoint is at or past the log position ($2 xid8, $3 bigint). */
export const HAS_PASSED_SQL = `
SELECT EXISTS (
  SELECT 1 FROM es_projections
   WHERE name = $1 AND (transaction_id, global_position) >= ($2::xid8, $3::bigint)) AS passed`;
