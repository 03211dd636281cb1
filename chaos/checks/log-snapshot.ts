import { DataSource } from 'typeorm';
import {
  emptyReading,
  openPersonalFields,
  PersonalDataReading,
  SubjectKeys,
} from './personal-data';

/** An event of es_events as the checks read it. */
export interface LoggedEvent {
  readonly position: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  /** As the app reads it: declared personal fields opened (see personal-data.ts). */
  readonly data: Readonly<Record<string, unknown>>;
  /** metadata.occurredAt as stored (ISO text). */
  readonly occurredAt: string | null;
  readonly correlationId: string | null;
  readonly commandId: string | null;
  readonly actor: string | null;
}

export interface OutboxRow {
  readonly messageId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly type: string;
  readonly causationId: string;
  readonly status: string;
}

/** The whole book of record after quiescence, indexed the ways the checks look it up. */
export interface LogSnapshot {
  readonly events: readonly LoggedEvent[];
  readonly outbox: readonly OutboxRow[];
  /** Events per stream, in version order. */
  readonly byStream: ReadonlyMap<string, readonly LoggedEvent[]>;
  /** Events per metadata.correlationId (the workload sends its Idempotency-Key there). */
  readonly byCorrelation: ReadonlyMap<string, readonly LoggedEvent[]>;
  /** What opening the sealed personal fields found (plain text, values that did not open). */
  readonly personalData: Readonly<PersonalDataReading>;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The log, its personal fields opened with `keys` (the run's data keys). */
export async function readLog(dataSource: DataSource, keys: SubjectKeys): Promise<LogSnapshot> {
  const rows = await dataSource.query<
    {
      position: string;
      event_id: string;
      stream_id: string;
      stream_version: number;
      type: string;
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
    }[]
  >(
    `SELECT global_position::text AS position, event_id::text, stream_id, stream_version, type,
            data, metadata
       FROM es_events ORDER BY stream_id, stream_version`,
  );
  const personalData = emptyReading();
  const events: LoggedEvent[] = rows.map((row) => ({
    position: Number(row.position),
    eventId: row.event_id,
    streamId: row.stream_id,
    version: row.stream_version,
    type: row.type,
    data: openPersonalFields(
      { streamId: row.stream_id, version: row.stream_version, type: row.type, data: row.data },
      keys,
      personalData,
    ),
    occurredAt: text(row.metadata.occurredAt),
    correlationId: text(row.metadata.correlationId),
    commandId: text(row.metadata.commandId),
    actor: text(row.metadata.actor),
  }));
  const outbox = await dataSource.query<OutboxRow[]>(
    `SELECT message_id::text AS "messageId", stream_id AS "streamId",
            stream_version AS "streamVersion", type, causation_id AS "causationId", status
       FROM es_outbox ORDER BY id`,
  );
  return {
    events,
    outbox,
    byStream: groupBy(events, (event) => event.streamId),
    byCorrelation: groupBy(events, (event) => event.correlationId),
    personalData,
  };
}
