import { EVENT_COLUMNS } from './event-row';

/** $1 stream id, $2 from version, $3 to version, $4 occurred at or before (nullable). */
export const READ_STREAM_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM es_events e
 WHERE e.stream_id = $1 AND e.stream_version BETWEEN $2 AND $3
   AND ($4::timestamptz IS NULL OR e.occurred_at <= $4::timestamptz)
 ORDER BY e.stream_version`;
