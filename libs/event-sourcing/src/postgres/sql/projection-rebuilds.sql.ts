/**
 * Claims the rebuild of a projection for this process when nobody has: ON CONFLICT DO
 * NOTHING never waits on a held claim row. $1 name, $2 claim (the fencing token),
 * $3 claimed by, $4 lease in ms.
 */
export const CLAIM_REBUILD_SQL = `
INSERT INTO projection_rebuilds (name, claim, claimed_by, started_at, lease_until)
VALUES ($1, $2::uuid, $3, now(), clock_timestamp() + $4 * interval '1 millisecond')
ON CONFLICT (name) DO NOTHING
RETURNING claim`;

/**
 * Takes over a claim whose lease ran out (its holder crashed or hung). A live claim is not
 * matched, so its row lock is never waited on. Same parameters as CLAIM_REBUILD_SQL.
 */
export const TAKE_OVER_REBUILD_SQL = `
UPDATE projection_rebuilds
   SET claim = $2::uuid, claimed_by = $3, started_at = now(),
       lease_until = clock_timestamp() + $4 * interval '1 millisecond', position = 0, head = 0
 WHERE name = $1 AND lease_until < clock_timestamp()
RETURNING claim`;

/** Who holds a live claim on `name` ($1), for the 409 message. */
export const REBUILD_HOLDER_SQL = `
SELECT claimed_by, started_at FROM projection_rebuilds WHERE name = $1 AND lease_until >= clock_timestamp()`;

/**
 * Extends the holder's lease and records its progress. Zero rows: another process took the
 * rebuild over (this one's lease had run out), so this one must stop writing.
 * $1 name, $2 claim, $3 lease in ms, $4 position, $5 head.
 */
export const RENEW_REBUILD_SQL = `
UPDATE projection_rebuilds
   SET lease_until = clock_timestamp() + $3 * interval '1 millisecond',
       position = GREATEST(position, $4::bigint), head = GREATEST(head, $5::bigint)
 WHERE name = $1 AND claim = $2::uuid
RETURNING name`;

/**
 * The fence of every write a rebuild makes, inside that write's transaction: the claim must
 * still be this process's. The row lock keeps a takeover from slipping in before the commit.
 * $1 name, $2 claim. FOR SHARE for a batch, FOR UPDATE for the switch-over.
 */
export const FENCE_SHARE_SQL = `
SELECT 1 FROM projection_rebuilds WHERE name = $1 AND claim = $2::uuid FOR SHARE`;
export const FENCE_UPDATE_SQL = `
SELECT 1 FROM projection_rebuilds WHERE name = $1 AND claim = $2::uuid FOR UPDATE`;

/** Ends a claim (only this process's own). $1 name, $2 claim. */
export const RELEASE_REBUILD_SQL = `DELETE FROM projection_rebuilds WHERE name = $1 AND claim = $2::uuid`;

/** Shadow checkpoints left behind by earlier rebuilds of $1 that crashed. */
export const DELETE_STALE_SHADOW_CHECKPOINTS_SQL = `
DELETE FROM es_projections WHERE starts_with(name, $1 || '::rebuild')`;

/**
 * The newest committed event, in log order: a rebuild started now must include it before it
 * may switch over (the gap-safe head alone can lag behind while another transaction runs).
 */
export const COMMITTED_TAIL_SQL = `
SELECT transaction_id::text AS xid, global_position::text AS position
  FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`;

/** Whether checkpoint $1 has passed log position ($2 xid8, $3 position). */
export const CHECKPOINT_REACHED_SQL = `
SELECT (transaction_id, global_position) >= ($2::xid8, $3::bigint) AS reached
  FROM es_projections WHERE name = $1`;

/** The shadow's and the live checkpoint, and whether the shadow is at or past the live one. */
export const SHADOW_AND_LIVE_SQL = `
SELECT s.transaction_id::text AS shadow_xid, s.global_position::text AS shadow_position,
       l.transaction_id::text AS live_xid, l.global_position::text AS live_position,
       (s.transaction_id, s.global_position) >= (l.transaction_id, l.global_position) AS shadow_ahead
  FROM es_projections s, es_projections l
 WHERE s.name = $1 AND l.name = $2`;

/**
 * Events of the given types in (from, to], in log order: what the live runner processed
 * after the shadow's last batch. $1/$2 from (xid8, position), $3/$4 to, $5 types, $6 limit.
 */
export const GAP_EVENTS_SQL = `
SELECT global_position::text AS global_position, transaction_id::text AS transaction_id,
       event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at
  FROM es_events e
 WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
   AND (e.transaction_id, e.global_position) <= ($3::xid8, $4::bigint)
   AND e.type = ANY($5::text[])
 ORDER BY e.transaction_id, e.global_position
 LIMIT $6`;
