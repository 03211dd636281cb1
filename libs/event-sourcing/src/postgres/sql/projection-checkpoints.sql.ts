/** Creates the checkpoint at the start of the log if it is missing, then reads it. */
export const ENSURE_CHECKPOINT_SQL = `
INSERT INTO es_projections (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`;

export const READ_CHECKPOINT_SQL = `
SELECT name, transaction_id::text AS transaction_id, global_position::text AS global_position,
       parked, failures, last_error, updated_at
  FROM es_projections WHERE name = $1`;

/** $1 names. */
export const READ_CHECKPOINTS_SQL = `
SELECT name, transaction_id::text AS transaction_id, global_position::text AS global_position,
       parked, failures, last_error, updated_at
  FROM es_projections WHERE name = ANY($1::text[])`;

/** $1 names. */
export const ENSURE_CHECKPOINTS_SQL = `
INSERT INTO es_projections (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`;

export const READ_ALL_CHECKPOINTS_SQL = `
SELECT name, transaction_id::text AS transaction_id, global_position::text AS global_position,
       parked, failures, last_error, updated_at
  FROM es_projections ORDER BY name`;

/**
 * Moves the checkpoint only if it is still where the batch started (compare-and-set), first
 * thing in the batch transaction: a second runner's batch blocks on this row, then finds it
 * moved and writes nothing. $1 name, $2/$3 from (xid8, position), $4/$5 to.
 */
export const ADVANCE_CHECKPOINT_SQL = `
UPDATE es_projections
   SET transaction_id = $4::xid8, global_position = $5::bigint, failures = 0, last_error = NULL,
       updated_at = now()
 WHERE name = $1 AND transaction_id = $2::xid8 AND global_position = $3::bigint
RETURNING name`;

/**
 * ADVANCE_CHECKPOINT_SQL for several projections at the same position ($1 their names), in
 * name order so two such statements lock the rows in one order. A parked projection does not
 * move (the group may not have seen it parked yet).
 */
export const ADVANCE_CHECKPOINTS_SQL = `
UPDATE es_projections p
   SET transaction_id = $4::xid8, global_position = $5::bigint, failures = 0, last_error = NULL,
       updated_at = now()
  FROM (SELECT name FROM es_projections
         WHERE name = ANY($1::text[]) AND transaction_id = $2::xid8 AND global_position = $3::bigint
           AND NOT parked
         ORDER BY name FOR UPDATE) locked
 WHERE p.name = locked.name
RETURNING p.name`;

/** $1 name, $2 error text, $3 park. */
export const RECORD_FAILURE_SQL = `
UPDATE es_projections
   SET failures = failures + 1, last_error = $2, parked = parked OR $3, updated_at = now()
 WHERE name = $1`;

export const RESUME_SQL = `
UPDATE es_projections SET parked = false, failures = 0, updated_at = now() WHERE name = $1`;

/** Puts a checkpoint at an exact position (the switch-over at the end of a rebuild). */
export const SET_CHECKPOINT_SQL = `
INSERT INTO es_projections (name, transaction_id, global_position) VALUES ($1, $2::xid8, $3::bigint)
ON CONFLICT (name) DO UPDATE
   SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position,
       parked = false, failures = 0, last_error = NULL, updated_at = now()`;

export const DELETE_CHECKPOINT_SQL = `DELETE FROM es_projections WHERE name = $1`;
