/** A session that runs statements: a DataSource, an EntityManager, a QueryRunner. */
export interface Queryable {
  query<T = unknown>(text: string, parameters?: unknown[]): Promise<T>;
}

/** Two-part advisory lock: a constant class, then the hash of the schema (one log per schema). */
const LOCK_CLASS = 0x4c4c41; // "LLA"

/**
 * Held for the rest of the transaction: checkpoints are written one at a time (each chains
 * from the one before), and a re-chain re-signs them under the same lock. Null when another
 * session holds it (`try`), else waits.
 */
export const CHECKPOINT_LOCK_SQL = {
  try: `SELECT pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(current_schema())) AS acquired`,
  wait: `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(current_schema())) IS NULL AS acquired`,
};

export interface CheckpointRow {
  sequence: string;
  transaction_id: string;
  global_position: string;
  events: string;
  digest: Buffer;
  signature: Buffer;
}

export const CHECKPOINT_COLUMNS = `sequence::text AS sequence, transaction_id::text AS transaction_id,
  global_position::text AS global_position, events::text AS events, digest, signature`;

export const LAST_CHECKPOINT_SQL = `
SELECT ${CHECKPOINT_COLUMNS} FROM es_audit_checkpoints ORDER BY sequence DESC LIMIT 1`;

/** $1: after this sequence; $2: limit. */
export const CHECKPOINTS_PAGE_SQL = `
SELECT ${CHECKPOINT_COLUMNS} FROM es_audit_checkpoints
 WHERE sequence > $1::bigint ORDER BY sequence LIMIT $2`;

export const INSERT_CHECKPOINT_SQL = `
INSERT INTO es_audit_checkpoints (sequence, transaction_id, global_position, events, digest, signature)
VALUES ($1::bigint, $2::xid8, $3::bigint, $4::bigint, $5, $6)`;

/** A re-chain's new digest and signature for a checkpoint; `signed_at` says when. */
export const RESIGN_CHECKPOINT_SQL = `
UPDATE es_audit_checkpoints SET digest = $2, signature = $3, signed_at = now()
 WHERE sequence = $1::bigint`;

export interface LogHashRow {
  transaction_id: string;
  global_position: string;
  event_hash: Buffer | null;
}

/**
 * The event hashes in log order (transaction id, then position, as the gap-safe read), after
 * ($1 xid8, $2 position) and up to ($3, $4) inclusive, $5 rows. The end is a checkpoint's
 * position or the horizon below which every transaction has ended (LOG_HORIZON_SQL).
 */
export const LOG_HASHES_SQL = `
SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position,
       e.event_hash
  FROM es_events e
 WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
   AND (e.transaction_id, e.global_position) <= ($3::xid8, $4::bigint)
 ORDER BY e.transaction_id, e.global_position
 LIMIT $5`;

/**
 * The end of what can be checkpointed, as the projections read: every transaction older than
 * the oldest one in flight has ended, so no event can still commit below it. The newest
 * event under it, in log order; no row when there is none.
 */
export const LOG_HORIZON_SQL = `
SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position
  FROM es_events e
 WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY e.transaction_id DESC, e.global_position DESC
 LIMIT 1`;

export interface ChainRow {
  stream_id: string;
  stream_version: number;
  transaction_id: string;
  global_position: string;
  previous_hash: Buffer | null;
  event_hash: Buffer | null;
  /** Whether event_hash is es_event_hash of the row as stored; null without a hash. */
  content_ok: boolean | null;
}

const CHAIN_COLUMNS = `e.stream_id, e.stream_version, e.transaction_id::text AS transaction_id,
  e.global_position::text AS global_position, e.previous_hash, e.event_hash,
  e.event_hash = es_event_hash(e.previous_hash, e.stream_id, e.stream_version, e.event_id, e.type,
                               e.schema_version, e.data, e.metadata, e.occurred_at) AS content_ok`;

/** Every stream's events in stream order, after ($1 stream, $2 version), $3 rows. */
export const LOG_CHAIN_PAGE_SQL = `
SELECT ${CHAIN_COLUMNS}
  FROM es_events e
 WHERE (e.stream_id, e.stream_version) > ($1::text, $2::integer)
 ORDER BY e.stream_id, e.stream_version
 LIMIT $3`;

/** One stream's events in version order: $1 stream, after version $2, $3 rows. */
export const STREAM_CHAIN_PAGE_SQL = `
SELECT ${CHAIN_COLUMNS}
  FROM es_events e
 WHERE e.stream_id = $1 AND e.stream_version > $2::integer
 ORDER BY e.stream_version
 LIMIT $3`;

export const RECORD_RECHAIN_SQL = `
INSERT INTO es_audit_rechains (reason, events, checkpoints_resigned) VALUES ($1, $2, $3)`;
