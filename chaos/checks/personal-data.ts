import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { customerPersonalFields } from '../../src/customers/domain/customer.personal-data';
import { LOOKUP_KEY_SUBJECT } from '../../src/personal-data/document-lookup';
import { ERASED_MARKER, PersonalFields } from '../../src/personal-data/personal-fields';
import { isSealed, masterKeyId, openValue, unwrapKey } from '../../src/personal-data/sealing';

/**
 * The personal fields of the log read as the app reads them: the declarations, the sealed
 * format and the key unwrapping are the app's own code (what is sealed, and how, is the app's
 * decision); which key opens which value (the subject, the per-field authenticated data) and
 * what an erased subject reads as are spelled out here, so a change there shows up as fields
 * that do not open.
 */

export { ERASED_MARKER, LOOKUP_KEY_SUBJECT };

const DECLARATIONS: ReadonlyMap<string, PersonalFields> = new Map(
  customerPersonalFields.map((declaration) => [declaration.type, declaration]),
);

/** The event types whose fields are personal data, and those fields. */
export const personalFieldsOf = (type: string): readonly string[] =>
  DECLARATIONS.get(type)?.fields ?? [];

interface KeyRow {
  subject_id: string;
  wrapped_key: Buffer;
  master_key_id: string;
}

/** Every data key of pii_data_keys, unwrapped on first use with the run's master key. */
export class SubjectKeys {
  private readonly opened = new Map<string, Buffer | Error>();

  private constructor(
    private readonly master: Buffer,
    private readonly rows: ReadonlyMap<string, KeyRow>,
  ) {}

  static async read(dataSource: DataSource, master: Buffer): Promise<SubjectKeys> {
    const rows = await dataSource.query<KeyRow[]>(
      `SELECT subject_id, wrapped_key, master_key_id FROM pii_data_keys ORDER BY subject_id`,
    );
    return new SubjectKeys(master, new Map(rows.map((row) => [row.subject_id, row])));
  }

  get subjects(): readonly string[] {
    return [...this.rows.keys()];
  }

  /**
   * The subject's data key; null when it has none (erased, or never had one).
   * @throws Error naming the subject when its row does not unwrap with the master key
   */
  key(subject: string): Buffer | null {
    const row = this.rows.get(subject);
    if (!row) return null;
    let key = this.opened.get(subject);
    if (!key) {
      key = this.unwrap(row);
      this.opened.set(subject, key);
    }
    if (key instanceof Error) throw key;
    return key;
  }

  /** The key of the document lookup hash (null: none yet), as `key` throws. */
  lookupKey(): Buffer | null {
    return this.key(LOOKUP_KEY_SUBJECT);
  }

  private unwrap(row: KeyRow): Buffer | Error {
    const runKey = masterKeyId(this.master);
    try {
      return unwrapKey(this.master, row.wrapped_key);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return new Error(
        `the data key of subject ${row.subject_id} does not unwrap with the run's master key ` +
          `${runKey} (its row names master key ${row.master_key_id}): ${why}`,
      );
    }
  }
}

/** `customer-document-<hex>` for a normalised document number, as the app names it. */
export const reservationStreamOf = (lookupKey: Buffer, normalisedDocument: string): string =>
  `customer-document-${createHmac('sha256', lookupKey).update(normalisedDocument, 'utf8').digest('hex')}`;

/** A reservation stream id in the keyed-hash form (64 lowercase hex digits). */
export const HASHED_RESERVATION_STREAM = /^customer-document-[0-9a-f]{64}$/;

/** What reading the declared personal fields of the log found. */
export interface PersonalDataReading {
  /** Values stored sealed (`pii:v1:`) that opened with their subject's key. */
  sealed: number;
  /** Events of a declared type. */
  events: number;
  /** Declared fields stored as plain text (read as stored, as the app reads legacy data). */
  readonly plain: string[];
  /** Sealed values that did not open (they stay in the data as stored), with why. */
  readonly unreadable: string[];
  /** Events whose subject has no data key: their sealed fields read as null. */
  erased: number;
}

export const emptyReading = (): PersonalDataReading => ({
  sealed: 0,
  events: 0,
  plain: [],
  unreadable: [],
  erased: 0,
});

/**
 * The event's data with its declared personal fields opened: a sealed value opens with the
 * data key of its subject (the declared subject field, lower-cased) and `<subject>/<field>` as
 * authenticated data; with no data key (erased) it reads as null and the data says
 * `personalDataErased: true`; plain text reads as stored. Findings go into `reading`.
 */
export function openPersonalFields(
  event: {
    readonly streamId: string;
    readonly version: number;
    readonly type: string;
    readonly data: Readonly<Record<string, unknown>>;
  },
  keys: SubjectKeys,
  reading: PersonalDataReading,
): Readonly<Record<string, unknown>> {
  const declaration = DECLARATIONS.get(event.type);
  if (!declaration) return event.data;
  reading.events++;
  const where = `${event.streamId}@${event.version} ${event.type}`;
  const sealed: string[] = [];
  for (const field of declaration.fields) {
    const value = event.data[field];
    if (isSealed(value)) sealed.push(field);
    else if (typeof value === 'string') reading.plain.push(`${where}.${field}`);
  }
  if (sealed.length === 0) return event.data;
  const unreadable = (why: string) => {
    for (const field of sealed) reading.unreadable.push(`${where}.${field}: ${why}`);
    return event.data;
  };
  const subjectValue = event.data[declaration.subject];
  if (typeof subjectValue !== 'string' || subjectValue === '')
    return unreadable(`its ${declaration.subject} names no person`);
  const subject = subjectValue.toLowerCase();
  let key: Buffer | null;
  try {
    key = keys.key(subject);
  } catch (error) {
    return unreadable(error instanceof Error ? error.message : String(error));
  }
  const data: Record<string, unknown> = { ...event.data };
  if (key === null) {
    for (const field of sealed) data[field] = null;
    data[ERASED_MARKER] = true;
    reading.erased++;
    return data;
  }
  for (const field of sealed) {
    try {
      data[field] = openValue(key, data[field] as string, `${subject}/${field}`);
      reading.sealed++;
    } catch (error) {
      reading.unreadable.push(
        `${where}.${field}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return data;
}
