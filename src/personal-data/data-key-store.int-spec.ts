import { randomBytes, randomUUID } from 'node:crypto';
import { openTestDatabase, TestDatabase } from '../../test/support/test-database';
import { DataKeyStore, PersonalDataErasedError } from './data-key-store';
import { masterKeyId, openValue, sealValue, WrongMasterKeyError, wrapKey } from './sealing';

interface KeyRow {
  subject_id: string;
  master_key_id: string;
  rotated_at: Date | null;
}

describe('DataKeyStore', () => {
  let db: TestDatabase;
  const master = randomBytes(32);
  let store: DataKeyStore;

  beforeAll(async () => {
    db = await openTestDatabase('data-key-store');
    store = new DataKeyStore(db.dataSource, master);
    await store.verifyMasterKey();
  });
  afterAll(() => db.close());

  const rows = (): Promise<KeyRow[]> =>
    db.dataSource.query(
      `SELECT subject_id, master_key_id, rotated_at FROM pii_data_keys ORDER BY subject_id`,
    );

  it('gives one subject one key, also to 50 concurrent first callers', async () => {
    const subject = randomUUID();
    // Separate stores (empty caches), so every call goes to the database.
    const stores = Array.from({ length: 50 }, () => new DataKeyStore(db.dataSource, master));
    const keys = await Promise.all(stores.map((each) => each.keyFor(subject)));
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(1);
    const [stored] = await db.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM pii_data_keys WHERE subject_id = $1`,
      [subject],
    );
    expect(stored.count).toBe(1);
    expect((await store.keyFor(subject)).equals(keys[0])).toBe(true);
    expect((await new DataKeyStore(db.dataSource, master).keyFor(subject)).equals(keys[0])).toBe(
      true,
    );
    expect((await store.existingKey(subject))?.equals(keys[0])).toBe(true);
  });

  it('has no key for an unknown subject and creates none when asked for an existing one', async () => {
    const subject = randomUUID();
    expect(await store.existingKey(subject)).toBeNull();
    expect((await rows()).some((row) => row.subject_id === subject)).toBe(false);
  });

  it('erases a key: gone from the table and from the cache', async () => {
    const subject = randomUUID();
    const key = await store.keyFor(subject);
    const sealed = sealValue(key, 'Ada Lovelace', subject);
    expect(await store.existingKey(subject)).not.toBeNull(); // cached now
    expect(await store.erase(subject)).toBe(true);
    expect(await store.existingKey(subject)).toBeNull();
    expect(await new DataKeyStore(db.dataSource, master).existingKey(subject)).toBeNull();
    expect(await store.erase(subject)).toBe(false);
    // No key is ever created for an erased subject again, by this store or any other.
    await expect(store.keyFor(subject)).rejects.toThrow(PersonalDataErasedError);
    await expect(new DataKeyStore(db.dataSource, master).keyFor(subject)).rejects.toThrow(
      PersonalDataErasedError,
    );
    expect((await rows()).some((row) => row.subject_id === subject)).toBe(false);
    expect(sealed).toMatch(/^pii:v1:/);
  });

  it('an erased subject stays erased even beside a key row a racing creator left', async () => {
    const subject = randomUUID();
    const key = await store.keyFor(subject);
    await store.erase(subject);
    // As a creator whose insert did not yet see the erasure would leave it.
    await db.dataSource.query(
      `INSERT INTO pii_data_keys (subject_id, wrapped_key, master_key_id) VALUES ($1, $2, $3)`,
      [subject, wrapKey(master, key), masterKeyId(master)],
    );
    expect(await new DataKeyStore(db.dataSource, master).existingKey(subject)).toBeNull();
    expect(await store.existingKey(subject)).toBeNull();
  });

  it('keeps at most cacheSize keys in memory', async () => {
    const small = new DataKeyStore(db.dataSource, master, { cacheSize: 2 });
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    for (const subject of [a, b, c]) await small.keyFor(subject);
    // Deleted behind the store's back: only the evicted entry (a) is looked up again.
    await db.dataSource.query(`DELETE FROM pii_data_keys WHERE subject_id = ANY($1)`, [[a, b, c]]);
    expect(await small.existingKey(a)).toBeNull();
    expect(await small.existingKey(b)).not.toBeNull();
    expect(await small.existingKey(c)).not.toBeNull();
  });

  it('refuses to start with another master key', async () => {
    const other = new DataKeyStore(db.dataSource, randomBytes(32));
    await expect(other.verifyMasterKey()).rejects.toThrow(WrongMasterKeyError);
    await expect(other.verifyMasterKey()).rejects.toThrow(
      `it was sealed with master key ${masterKeyId(master)}`,
    );
    await expect(other.keyFor(randomUUID())).rejects.toThrow(WrongMasterKeyError);
  });

  it('rotates the master key: every key re-wrapped, sealed values still open, a rerun does nothing', async () => {
    const subjects = Array.from({ length: 1_203 }, () => randomUUID());
    const sealed = new Map<string, string>();
    for (const subject of subjects)
      sealed.set(subject, sealValue(await store.keyFor(subject), `name of ${subject}`, subject));
    const before = await rows();
    const newMaster = randomBytes(32);
    const progress: [number, number][] = [];

    const result = await store.rotate(newMaster, (done, total) => progress.push([done, total]));

    expect(result).toEqual({ total: before.length, rewrapped: before.length });
    expect(progress.at(-1)).toEqual([before.length, before.length]);
    const after = await rows();
    expect(after.map((row) => row.subject_id)).toEqual(before.map((row) => row.subject_id));
    expect(after.every((row) => row.master_key_id === masterKeyId(newMaster))).toBe(true);
    expect(after.every((row) => row.rotated_at !== null)).toBe(true);

    const fresh = new DataKeyStore(db.dataSource, newMaster);
    await fresh.verifyMasterKey();
    expect(await fresh.unwrapAll()).toBe(before.length);
    for (const subject of subjects)
      expect(openValue(await fresh.keyFor(subject), sealed.get(subject)!, subject)).toBe(
        `name of ${subject}`,
      );
    await expect(new DataKeyStore(db.dataSource, master).verifyMasterKey()).rejects.toThrow(
      WrongMasterKeyError,
    );
    // The old store can create no key under the old master key any more.
    await expect(store.keyFor(randomUUID())).rejects.toThrow(WrongMasterKeyError);

    const rerun = await store.rotate(newMaster);
    expect(rerun).toEqual({ total: before.length, rewrapped: 0 });
    expect(await rows()).toEqual(after);
  });

  it('finishes an interrupted rotation when run again with the same two keys', async () => {
    const current = randomBytes(32);
    const local = await openTestDatabase('data-key-store-resume');
    try {
      const first = new DataKeyStore(local.dataSource, current);
      const subjects = Array.from({ length: 20 }, () => randomUUID());
      const keys = await Promise.all(subjects.map((subject) => first.keyFor(subject)));
      const next = randomBytes(32);
      // Interrupted after the first keys: re-wrapped under the new key, check row not moved.
      const half = new DataKeyStore(local.dataSource, next);
      for (const [index, subject] of subjects.slice(0, 7).entries())
        await local.dataSource.query(
          `UPDATE pii_data_keys SET wrapped_key = $2, master_key_id = $3 WHERE subject_id = $1`,
          [subject, wrapKey(next, keys[index]), half.masterKeyId],
        );
      await expect(half.verifyMasterKey()).rejects.toThrow(WrongMasterKeyError);

      const result = await new DataKeyStore(local.dataSource, current).rotate(next);

      expect(result).toEqual({ total: 20, rewrapped: 13 });
      await half.verifyMasterKey();
      for (const [index, subject] of subjects.entries())
        expect((await half.existingKey(subject))?.equals(keys[index])).toBe(true);
    } finally {
      await local.close();
    }
  });
});
