import { EventMetadata, RecordedEvent } from '../../core/event';
import { JsonObject } from '../../core/json';

/** The highest stream version: `stream_version` is a PostgreSQL integer. */
export const MAX_STREAM_VERSION = 2_147_483_647;

/** The columns every event read selects, in the shape `toRecordedEvent` maps. */
export const EVENT_COLUMNS = `global_position::text AS global_position, transaction_id::text AS transaction_id,
  event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at`;

export interface EventRow {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  data: JsonObject;
  metadata: EventMetadata;
  recorded_at: Date;
}

/** bigint columns arrive as strings (node-postgres keeps them exact); convert explicitly. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}
