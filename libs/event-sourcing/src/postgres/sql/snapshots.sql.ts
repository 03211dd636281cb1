/** Keeps the newest snapshot of a stream: an older one never replaces a newer one. */
export const WRITE_SNAPSHOT_SQL = `
INSERT INTO es_snapshots (stream_id, stream_version, schema_version, state)
VALUES ($1, $2, $3, $4::jsonb)
ON CONFLICT (stream_id) DO UPDATE
   SET stream_version = EXCLUDED.stream_version, schema_version = EXCLUDED.schema_version,
       state = EXCLUDED.state, created_at = now()
 WHERE es_snapshots.stream_version <= EXCLUDED.stream_version`;

export const READ_SNAPSHOT_SQL = `
SELECT stream_version, schema_version, state FROM es_snapshots WHERE stream_id = $1`;
