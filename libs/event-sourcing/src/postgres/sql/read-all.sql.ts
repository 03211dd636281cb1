import { EVENT_COLUMNS } from './event-row';

/**
 * The gap-safe read, decided in ONE statement (one snapshot): only transactions older than
 * the oldest one still in flight are visible, in (transaction id, position) order. An
 * in-flight append holds back everything after it until it commits (then it is returned
 * first) or rolls back (then nothing is waited for). $1 xid8 and $2 position of the
 * checkpoint (exclusive), $3 limit. Columns are qualified: a bare ORDER BY name would bind to
 * the text-cast output alias and sort positions as strings ("10" before "9").
 */
export const READ_ALL_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM es_events e
 WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
   AND (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
 ORDER BY e.transaction_id, e.global_position
 LIMIT $3`;
