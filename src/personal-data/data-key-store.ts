import { DomainError } from '../shared-kernel/domain-error';
import { DataSource, EntityManager } from 'typeorm';
import {
  masterKeyId,
  newDataKey,
  opensCheckValue,
  sealCheckValue,
  unwrapKey,
  WrongMasterKeyError,
  wrapKey,
} from './sealing';

/** Data keys re-wrapped per transaction by `rotate` (and read per query by `unwrapAll`). */
const BATCH = 500;

interface KeyState {
  subject_id: string | null;
  wrapped_key: Buffer | null;
  master_key_id: string | null;
  erased: boolean;
}

interface KeyRow {
  subject_id: string;
  wrapped_key: Buffer;
  master_key_id: string;
}

interface CheckRow {
  master_key_id: string;
  check_value: Buffer;
}

export interface DataKeyStoreOptions {
  /** Unwrapped keys kept in memory, least recently used dropped first; default 10 000. */
  readonly cacheSize?: number;
  /**
   * How long a cached key is used before it is read again; default 60 s. A key erased through
   * another process opens nothing here once this time has passed.
   */
  readonly cacheTtlMs?: number;
}

export interface RotationResult {
  /** Data keys in the table when the rotation ended. */
  readonly total: number;
  /** Data keys re-wrapped by this run (the others were done by an earlier, interrupted run). */
  readonly rewrapped: number;
}

// Through the check row's lock: a key is created only while the check row names this master
// key, so none is created under the old one once a rotation has moved on (see `rotate`).
const CREATE_KEY_SQL = `
WITH master AS (
  SELECT 1 FROM pii_master_key_check WHERE id = 1 AND master_key_id = $3::text FOR SHARE
)
INSERT INTO pii_data_keys (subject_id, wrapped_key, master_key_id)
SELECT $1::text, $2::bytea, $3::text FROM master
 WHERE NOT EXISTS (SELECT 1 FROM pii_erased_subjects WHERE subject_id = $1::text)
ON CONFLICT (subject_id) DO NOTHING
RETURNING subject_id`;

// The key row (if any) and whether the subject was erased, in one snapshot.
const READ_KEY_SQL = `
SELECT k.subject_id, k.wrapped_key, k.master_key_id,
       EXISTS (SELECT 1 FROM pii_erased_subjects e WHERE e.subject_id = $1::text) AS erased
  FROM (SELECT 1) AS one LEFT JOIN pii_data_keys k ON k.subject_id = $1::text`;

/**
 * Erases a subject: its key row goes, and its id is kept as erased so no key is ever created
 * for it again. Also run by the projection that applies an erasure event, should the
 * erasure's own call not have happened. $1: the subject id.
 */
export const ERASE_SUBJECT_SQL = `
WITH deleted AS (DELETE FROM pii_data_keys WHERE subject_id = $1::text RETURNING 1),
     recorded AS (
       INSERT INTO pii_erased_subjects (subject_id) VALUES ($1::text)
       ON CONFLICT (subject_id) DO NOTHING)
SELECT count(*)::int AS deleted FROM deleted`;

/** A subject whose data key was erased: nothing can be sealed for it any more. */
export class PersonalDataErasedError extends DomainError {
  readonly code = 'PERSONAL_DATA_ERASED';
  constructor(subjectId: string) {
    super(`the personal data of ${subjectId} was erased: nothing more is recorded about them`);
  }
}

/**
 * Per-subject data keys for crypto-shredding: personal data is sealed with its subject's key,
 * and deleting the key (`erase`) makes every copy of that data unreadable. Keys are kept
 * wrapped with the master key. A key of a subject erased through another process stays usable
 * in this one until its cache entry expires (`cacheTtlMs`).
 */
export class DataKeyStore {
  readonly masterKeyId: string;
  // A null key: the subject is erased (kept, so a lookup of it reads nothing from the database).
  private readonly cache = new Map<string, { readonly key: Buffer | null; readonly at: number }>();
  // Erased through this store: a lookup that read the key before the erasure never caches it.
  private readonly erasedHere = new Set<string>();
  private readonly cacheSize: number;
  private readonly cacheTtlMs: number;
  private readonly reading = new Map<string, Promise<Buffer | null>>();
  private verified?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly master: Buffer,
    options: DataKeyStoreOptions = {},
  ) {
    this.masterKeyId = masterKeyId(master);
    this.cacheSize = options.cacheSize ?? 10_000;
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
  }

  /**
   * Records the master key on the first start; afterwards, checks it is that one.
   * @throws WrongMasterKeyError when the data keys were wrapped with another master key
   */
  verifyMasterKey(): Promise<void> {
    // Once per store; a failure (a database error too) is not remembered, so a retry asks again.
    this.verified ??= this.checkMasterKey().catch((error: unknown) => {
      this.verified = undefined;
      throw error;
    });
    return this.verified;
  }

  /**
   * The subject's data key, created on first use; concurrent callers all get the same one.
   * @throws PersonalDataErasedError once the subject is erased
   */
  async keyFor(subjectId: string): Promise<Buffer> {
    const cached = this.fromCache(subjectId);
    if (cached) return cached;
    if (cached === null) throw new PersonalDataErasedError(subjectId);
    await this.verifyMasterKey();
    for (let attempt = 0; attempt < 3; attempt++) {
      const dataKey = newDataKey();
      const created = await this.dataSource.query<unknown[]>(CREATE_KEY_SQL, [
        subjectId,
        wrapKey(this.master, dataKey),
        this.masterKeyId,
      ]);
      if (created.length > 0) return this.kept(subjectId, dataKey);
      // A separate statement: it sees the row of a concurrent creator that made the insert
      // stand back, which the insert's own snapshot does not.
      const state = await this.readState(subjectId);
      if (state.erased) throw new PersonalDataErasedError(subjectId);
      if (state.row) return this.kept(subjectId, this.unwrapRow(state.row));
      // Neither created nor there: a rotation moved to another master key (the check fails
      // here), or the row was deleted in between.
      this.verified = undefined;
      await this.verifyMasterKey();
    }
    throw new Error(`the data key of subject ${subjectId} could not be created`);
  }

  /** The subject's data key, or null when it has none (never had one, or erased). */
  existingKey(subjectId: string): Promise<Buffer | null> {
    const cached = this.fromCache(subjectId);
    if (cached !== undefined) return Promise.resolve(cached);
    // One read for the events of a stream revealed together, not one per event.
    let pending = this.reading.get(subjectId);
    if (!pending) {
      pending = this.readExisting(subjectId).finally(() => this.reading.delete(subjectId));
      this.reading.set(subjectId, pending);
    }
    return pending;
  }

  private async readExisting(subjectId: string): Promise<Buffer | null> {
    await this.verifyMasterKey();
    const state = await this.readState(subjectId);
    // Erased wins over a key row a racing creator left behind.
    if (state.erased) return this.remember(subjectId, null);
    return state.row ? this.remember(subjectId, this.unwrapRow(state.row)) : null;
  }

  /**
   * Deletes the subject's data key: whatever was sealed with it cannot be opened any more, and
   * no key is created for it again.
   * @returns whether a key was there to delete
   */
  async erase(subjectId: string): Promise<boolean> {
    this.erasedHere.add(subjectId);
    this.reading.delete(subjectId);
    const [{ deleted }] = await this.dataSource.query<{ deleted: number }[]>(ERASE_SUBJECT_SQL, [
      subjectId,
    ]);
    this.cache.set(subjectId, { key: null, at: Date.now() });
    return deleted > 0;
  }

  /**
   * Re-wraps every data key with `newMaster`, 500 per transaction, then records `newMaster` as
   * the master key. Keys already wrapped with `newMaster` are skipped, so an interrupted run is
   * finished by running it again with the same two keys; a finished one is not repeated.
   * This store's master key must be the current one (or the run before must have finished).
   */
  async rotate(
    newMaster: Buffer,
    onProgress: (done: number, total: number) => void = () => undefined,
  ): Promise<RotationResult> {
    const newId = masterKeyId(newMaster);
    if (newId === this.masterKeyId) throw new RangeError('the new master key is the current one');
    const [check] = await this.dataSource.query<CheckRow[]>(
      `SELECT master_key_id, check_value FROM pii_master_key_check WHERE id = 1`,
    );
    if (!check || !opensCheckValue(newMaster, check.check_value)) await this.checkMasterKey();
    const [{ pending }] = await this.dataSource.query<{ pending: number }[]>(
      `SELECT count(*)::int AS pending FROM pii_data_keys WHERE master_key_id <> $1`,
      [newId],
    );
    let done = 0;
    const progress = (count: number) => {
      done += count;
      onProgress(done, Math.max(pending, done));
    };
    onProgress(0, pending);
    for (let after = ''; ;) {
      const batch = await this.dataSource.transaction((manager) =>
        this.rewrapBatch(manager, newMaster, newId, after),
      );
      if (!batch) break;
      progress(batch.count);
      after = batch.last;
    }
    // The check row is held while the keys created during the pass (by instances still on the
    // current key) are re-wrapped, and names the new key on commit: no key is created under
    // the current master key afterwards (CREATE_KEY_SQL waits for this row and then finds it
    // names another key).
    await this.dataSource.transaction(async (manager) => {
      const [held] = await manager.query<{ master_key_id: string }[]>(
        `SELECT master_key_id FROM pii_master_key_check WHERE id = 1 FOR UPDATE`,
      );
      for (let after = ''; ;) {
        const batch = await this.rewrapBatch(manager, newMaster, newId, after);
        if (!batch) break;
        progress(batch.count);
        after = batch.last;
      }
      if (held.master_key_id !== newId)
        await manager.query(
          `UPDATE pii_master_key_check SET master_key_id = $1, check_value = $2 WHERE id = 1`,
          [newId, sealCheckValue(newMaster)],
        );
    });
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM pii_data_keys`,
    );
    return { total, rewrapped: done };
  }

  /**
   * Unwraps every data key with this store's master key (after a rotation, to prove the new
   * key opens them all).
   * @returns how many data keys there are
   * @throws WrongMasterKeyError at the first key it does not open
   */
  async unwrapAll(onProgress: (done: number) => void = () => undefined): Promise<number> {
    await this.verifyMasterKey();
    let done = 0;
    for (let after = ''; ;) {
      const rows = await this.dataSource.query<KeyRow[]>(
        `SELECT subject_id, wrapped_key, master_key_id FROM pii_data_keys
          WHERE subject_id > $1 ORDER BY subject_id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) return done;
      for (const row of rows) this.unwrapRow(row);
      done += rows.length;
      onProgress(done);
      after = rows[rows.length - 1].subject_id;
    }
  }

  private async checkMasterKey(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO pii_master_key_check (id, master_key_id, check_value)
       SELECT 1, $1::text, $2::bytea
        WHERE NOT EXISTS (SELECT 1 FROM pii_data_keys WHERE master_key_id <> $1::text)
       ON CONFLICT (id) DO NOTHING`,
      [this.masterKeyId, sealCheckValue(this.master)],
    );
    const [check] = await this.dataSource.query<CheckRow[]>(
      `SELECT master_key_id, check_value FROM pii_master_key_check WHERE id = 1`,
    );
    if (check && opensCheckValue(this.master, check.check_value)) return;
    // No check row: data keys of another master key were there before it was recorded.
    const [other] = check
      ? [check]
      : await this.dataSource.query<{ master_key_id: string }[]>(
          `SELECT master_key_id FROM pii_data_keys WHERE master_key_id <> $1 LIMIT 1`,
          [this.masterKeyId],
        );
    throw new WrongMasterKeyError(
      `PII_MASTER_KEY does not open the data keys of this database (it was sealed with master ` +
        `key ${other?.master_key_id ?? 'unknown'}); start with the master key it was created with`,
    );
  }

  private async rewrapBatch(
    manager: EntityManager,
    newMaster: Buffer,
    newId: string,
    after: string,
  ): Promise<{ count: number; last: string } | undefined> {
    const rows = await manager.query<KeyRow[]>(
      `SELECT subject_id, wrapped_key, master_key_id FROM pii_data_keys
        WHERE master_key_id <> $1 AND subject_id > $2
        ORDER BY subject_id LIMIT ${BATCH} FOR UPDATE`,
      [newId, after],
    );
    if (rows.length === 0) return undefined;
    const rewrapped = rows.map((row) => wrapKey(newMaster, this.unwrapRow(row)));
    await manager.query(
      `UPDATE pii_data_keys k
          SET wrapped_key = u.wrapped_key, master_key_id = $1, rotated_at = now()
         FROM unnest($2::text[], $3::bytea[]) AS u(subject_id, wrapped_key)
        WHERE k.subject_id = u.subject_id`,
      [newId, rows.map((row) => row.subject_id), rewrapped],
    );
    return { count: rows.length, last: rows[rows.length - 1].subject_id };
  }

  private async readState(subjectId: string): Promise<{ row?: KeyRow; erased: boolean }> {
    const [state] = await this.dataSource.query<KeyState[]>(READ_KEY_SQL, [subjectId]);
    const row =
      state.subject_id !== null && state.wrapped_key !== null && state.master_key_id !== null
        ? {
            subject_id: state.subject_id,
            wrapped_key: state.wrapped_key,
            master_key_id: state.master_key_id,
          }
        : undefined;
    return { row, erased: state.erased };
  }

  private unwrapRow(row: KeyRow): Buffer {
    if (row.master_key_id !== this.masterKeyId)
      throw new WrongMasterKeyError(
        `a data key is wrapped with master key ${row.master_key_id}, not ${this.masterKeyId}: ` +
          'finish the master key rotation (npm run pii:rotate-master-key) and start with the new key',
      );
    return unwrapKey(this.master, row.wrapped_key);
  }

  private fromCache(subjectId: string): Buffer | null | undefined {
    const entry = this.cache.get(subjectId);
    if (!entry) return undefined;
    this.cache.delete(subjectId);
    // Older than the time to live: read again, so a key erased through another process stops
    // opening anything here within that time.
    if (Date.now() - entry.at > this.cacheTtlMs) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first entry is the least recent.
    this.cache.set(subjectId, entry);
    return entry.key;
  }

  /** `key`, cached, for a write: none for a subject erased meanwhile. */
  private kept(subjectId: string, key: Buffer): Buffer {
    const remembered = this.remember(subjectId, key);
    if (remembered === null) throw new PersonalDataErasedError(subjectId);
    return remembered;
  }

  private remember<Key extends Buffer | null>(subjectId: string, key: Key): Key | null {
    if (this.erasedHere.has(subjectId)) return null;
    this.cache.delete(subjectId);
    this.cache.set(subjectId, { key, at: Date.now() });
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    return key;
  }
}
