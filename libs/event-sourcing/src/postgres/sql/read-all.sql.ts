import { EVENT_COLUMNS } from './event-row';

/**
 * The gap-safe read, decided in ONE statement (one snapshot): only transactions older than
 * the oldest one still in flight are visible, in (transaction id, position) order. An
 * in-flight append holds back everything after it until it commits (then it is returned
 * first) or rolls back (then nothing is waited for). $1 xid8 and $2 position of the
 * checkpoint (exclusive), $3 limit.
 */
export const READ_ALL_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM es_events
 WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
   AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
 ORDER BY transaction_id, global_position
 LIMIT $3`;
