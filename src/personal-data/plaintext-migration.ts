import { DataSource, EntityManager } from 'typeorm';
import { JsonObject, JsonValue } from '@ledgerline/event-sourcing';
import {
  CheckpointSigner,
  EVENT_COLUMNS,
  EventRow,
  rechainEventLog,
  toRecordedEvent,
} from '@ledgerline/event-sourcing/postgres';
import { documentReservationStreamId, PLAIN_RESERVATION_STREAMS_SQL } from '../customers';
import { DataKeyStore } from './data-key-store';
import { LookupHash } from './document-lookup';
import { PersonalDataProtection } from './personal-data-protection';
import { ERASED_MARKER, PersonalFields } from './personal-fields';
import { isSealed, UnreadableValueError } from './sealing';

/**
 * Events sealed per transaction, and read per query by the verification. Their queries order
 * by `es_events.global_position`: the bare name would mean the selected text alias.
 */
const BATCH = 500;
/** The `isSealed` format, for SQL: keeps the selection in the database, by the same rule. */
const SEALED_PATTERN = '^pii:v1:[A-Za-z0-9_-]{38,}$';
const RESERVATION_PREFIX = documentReservationStreamId('');
/** The streams PLAIN_RESERVATION_STREAMS_SQL counts, by name. */
const PLAIN_RESERVATION_STREAM_IDS_SQL = `
SELECT stream_id, min(global_position)::text AS first_position FROM es_events
 WHERE stream_id LIKE 'customer-document-%' AND stream_id !~ '^customer-document-[0-9a-f]{64}$'
 GROUP BY stream_id ORDER BY stream_id`;
/** Every table of the event-sourcing library that names a stream (see its migrations). */
const STREAM_TABLES = ['es_events', 'es_snapshots', 'es_commands', 'es_outbox'] as const;
/** Problems listed by the verification; beyond these only the count is given. */
const PROBLEMS_LISTED = 20;

export interface PlaintextMigrationDeps {
  readonly dataSource: DataSource;
  readonly keys: DataKeyStore;
  readonly lookup: LookupHash;
  readonly declarations: readonly PersonalFields[];
  /**
   * Signs again the audit checkpoints that cover the rewritten events (the audit context's
   * key). Needed only when checkpoints exist: the re-chain refuses without it then.
   */
  readonly checkpointSigner?: CheckpointSigner;
}

/** What es_audit_rechains records as the reason of this migration's re-chain. */
export const PLAINTEXT_MIGRATION_RECHAIN =
  'personal data sealed in place, reservation streams renamed';

export type MigrationPhase = 'seal' | 'move' | 'verify';
/** `total`: what the phase has to do, counted when it starts. */
export type MigrationProgress = (phase: MigrationPhase, done: number, total: number) => void;

export interface PlaintextMigrationResult {
  /** Events whose plain personal fields this run sealed. */
  readonly sealedNow: number;
  /** Events of declared types that held no plain personal field when the run started. */
  readonly alreadySealed: number;
  /** Reservation streams moved from the number to its keyed hash by this run. */
  readonly streamsMoved: number;
}

export interface VerificationResult {
  /** Events of declared types checked. */
  readonly checked: number;
  /** Of those, events whose subject's key is erased (they read as erased, as intended). */
  readonly erased: number;
  /** Empty when everything is sealed, opens and no plain reservation stream is left. */
  readonly problems: readonly string[];
}

/** A hashed reservation stream is there already: moving the plain one would merge two. */
export class ReservationStreamClashError extends Error {
  constructor(firstPosition: string) {
    // Neither the number nor its hash: the message goes to terminals and logs.
    super(
      `the reservation stream whose first event is at global position ${firstPosition} cannot ` +
        'be moved: a stream already holds its hashed id; resolve the two by hand, then run again',
    );
    this.name = 'ReservationStreamClashError';
  }
}

/**
 * Converts a database of the release that stored personal data in plain text: seals it in
 * place, moves the plain reservation streams, then re-chains the event log's hashes over the
 * rewritten events (rechainEventLog: recorded in es_audit_rechains, the checkpoints signed
 * again), so the log verifies after it. Run it with the app stopped (the app refuses to start
 * while plain reservation streams exist); a rerun goes on where a crash left off, the
 * re-chain included.
 */
export async function migratePlaintextPersonalData(
  deps: PlaintextMigrationDeps,
  onProgress: MigrationProgress = () => undefined,
): Promise<PlaintextMigrationResult> {
  const sealed = await sealPlaintextFields(deps, onProgress);
  const streamsMoved = await movePlainReservationStreams(deps, onProgress);
  await rechainEventLog(deps.dataSource, {
    reason: PLAINTEXT_MIGRATION_RECHAIN,
    signer: deps.checkpointSigner,
  });
  return { ...sealed, streamsMoved };
}

/**
 * Seals every plain declared field with its subject's key, as PersonalDataProtection does on
 * append. The one exception to append-only: es_events.data is rewritten in place, by
 * global_position, BATCH events per transaction; what a crash leaves is found again as plain.
 * The rewritten events' hashes no longer match until the re-chain of
 * migratePlaintextPersonalData.
 */
export async function sealPlaintextFields(
  { dataSource, keys, declarations }: PlaintextMigrationDeps,
  onProgress: MigrationProgress = () => undefined,
): Promise<Omit<PlaintextMigrationResult, 'streamsMoved'>> {
  const protection = new PersonalDataProtection(keys, declarations);
  const plain = plainPredicate(declarations, 2);
  const [{ pending, declared }] = await dataSource.query<{ pending: number; declared: number }[]>(
    `SELECT count(*) FILTER (WHERE ${plain.sql})::int AS pending, count(*)::int AS declared
       FROM es_events WHERE type = ANY($1::text[])`,
    [declarations.map((declaration) => declaration.type), ...plain.params],
  );
  let done = 0;
  onProgress('seal', 0, pending);
  for (let after = '0'; ;) {
    const batch = await dataSource.transaction(async (manager) => {
      const rows = await manager.query<
        { global_position: string; type: string; data: JsonObject }[]
      >(
        `SELECT global_position::text AS global_position, type, data FROM es_events
          WHERE global_position > $1::bigint AND (${plain.sql})
          ORDER BY es_events.global_position LIMIT ${BATCH} FOR UPDATE`,
        [after, ...plain.params],
      );
      if (rows.length > 0) await sealRows(manager, protection, declarations, rows);
      return rows;
    });
    if (batch.length === 0) break;
    done += batch.length;
    onProgress('seal', done, Math.max(pending, done));
    after = batch[batch.length - 1].global_position;
  }
  return { sealedNow: done, alreadySealed: declared - pending };
}

async function sealRows(
  manager: EntityManager,
  protection: PersonalDataProtection,
  declarations: readonly PersonalFields[],
  rows: readonly { global_position: string; type: string; data: JsonObject }[],
): Promise<void> {
  const fieldsOf = new Map(declarations.map((each) => [each.type, each.fields]));
  const sealed = await Promise.all(
    rows.map(async ({ type, data }) => {
      const protectedData: Record<string, JsonValue> = await protection.protect({ type, data });
      // protect seals every string; a field sealed already keeps its value, not a second layer.
      for (const field of fieldsOf.get(type) ?? [])
        if (isSealed(data[field])) protectedData[field] = data[field];
      return JSON.stringify(protectedData);
    }),
  );
  await manager.query(
    `UPDATE es_events e SET data = u.data::jsonb
       FROM unnest($1::bigint[], $2::text[]) AS u(global_position, data)
      WHERE e.global_position = u.global_position`,
    [rows.map((row) => row.global_position), sealed],
  );
}

/**
 * Moves every reservation stream named after the document number to the keyed hash of the
 * number, one stream per transaction, in every table that names streams.
 * @throws ReservationStreamClashError when the hashed stream exists already
 */
export async function movePlainReservationStreams(
  { dataSource, lookup }: PlaintextMigrationDeps,
  onProgress: MigrationProgress = () => undefined,
): Promise<number> {
  const streams = await dataSource.query<{ stream_id: string; first_position: string }[]>(
    PLAIN_RESERVATION_STREAM_IDS_SQL,
  );
  onProgress('move', 0, streams.length);
  let moved = 0;
  for (const { stream_id: plain, first_position: firstPosition } of streams) {
    // The previous release named the stream after the normalised number, which is what the
    // registration hashes now.
    const hashed = documentReservationStreamId(
      await lookup.of(plain.slice(RESERVATION_PREFIX.length)),
    );
    await dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM es_events WHERE stream_id = $1 FOR UPDATE`, [plain]);
      const clash = await manager.query<unknown[]>(
        `SELECT 1 FROM es_events WHERE stream_id = $1
         UNION ALL SELECT 1 FROM es_snapshots WHERE stream_id = $1 LIMIT 1`,
        [hashed],
      );
      if (clash.length > 0) throw new ReservationStreamClashError(firstPosition);
      for (const table of STREAM_TABLES)
        await manager.query(`UPDATE ${table} SET stream_id = $2 WHERE stream_id = $1`, [
          plain,
          hashed,
        ]);
    });
    onProgress('move', ++moved, streams.length);
  }
  return moved;
}

/**
 * Checks every declared field of every declared event: sealed, and opening with its subject's
 * key (an erased subject's events read as erased); and that no plain reservation stream is left.
 */
export async function verifyPersonalData(
  { dataSource, keys, declarations }: PlaintextMigrationDeps,
  onProgress: MigrationProgress = () => undefined,
): Promise<VerificationResult> {
  const protection = new PersonalDataProtection(keys, declarations);
  const fieldsOf = new Map(declarations.map((each) => [each.type, each.fields]));
  const types = [...fieldsOf.keys()];
  const [{ total }] = await dataSource.query<{ total: number }[]>(
    `SELECT count(*)::int AS total FROM es_events WHERE type = ANY($1::text[])`,
    [types],
  );
  const problems: string[] = [];
  let checked = 0;
  let erased = 0;
  onProgress('verify', 0, total);
  for (let after = '0'; ;) {
    const rows = await dataSource.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM es_events
        WHERE global_position > $1::bigint AND type = ANY($2::text[])
        ORDER BY es_events.global_position LIMIT ${BATCH}`,
      [after, types],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const at = `the ${row.type} event at global position ${row.global_position}`;
      const plain = (fieldsOf.get(row.type) ?? []).filter(
        (field) => typeof row.data[field] === 'string' && !isSealed(row.data[field]),
      );
      if (plain.length > 0) problems.push(`${at} holds ${plain.join(', ')} in plain text`);
      try {
        const revealed = await protection.reveal(toRecordedEvent(row));
        if (revealed[ERASED_MARKER] === true) erased++;
      } catch (error) {
        if (!(error instanceof UnreadableValueError)) throw error;
        problems.push(`${at} does not open with its subject's data key`);
      }
    }
    checked += rows.length;
    onProgress('verify', checked, Math.max(total, checked));
    after = rows[rows.length - 1].global_position;
  }
  const [{ count }] = await dataSource.query<{ count: number }[]>(PLAIN_RESERVATION_STREAMS_SQL);
  if (count > 0) problems.push(`${count} reservation streams are still named after the number`);
  const listed = problems.slice(0, PROBLEMS_LISTED);
  if (problems.length > listed.length)
    listed.push(`… and ${problems.length - listed.length} more problems`);
  return { checked, erased, problems: listed };
}

/**
 * SQL true for an event of a declared type with a declared field that is a string but not
 * sealed; the type and field names are parameters from `$first` on.
 */
function plainPredicate(
  declarations: readonly PersonalFields[],
  first: number,
): { sql: string; params: string[] } {
  const params: string[] = [];
  const param = (value: string): string => {
    params.push(value);
    return `$${first + params.length - 1}::text`;
  };
  const perType = declarations.map(({ type, fields }) => {
    const plainFields = fields.map((field) => {
      const name = param(field);
      return `(jsonb_typeof(data -> ${name}) = 'string' AND data ->> ${name} !~ '${SEALED_PATTERN}')`;
    });
    return `(type = ${param(type)} AND (${plainFields.join(' OR ') || 'false'}))`;
  });
  return { sql: perType.length > 0 ? perType.join(' OR ') : 'false', params };
}
