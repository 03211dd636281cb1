import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { ProtectedEventStore } from '@ledgerline/event-sourcing';
import { PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import {
  previousReleaseMetadata,
  writePreviousReleaseData,
} from '../../test/support/previous-release-data';
import { openTestDatabase, TestDatabase } from '../../test/support/test-database';
import {
  customerPersonalFields,
  customerStreamId,
  documentReservationStreamId,
  PLAIN_RESERVATION_STREAMS_SQL,
} from '../customers';
import { DataKeyStore } from './data-key-store';
import { LookupHash } from './document-lookup';
import { loadMasterKey } from './master-key';
import { PersonalDataProtection } from './personal-data-protection';
import {
  migratePlaintextPersonalData,
  movePlainReservationStreams,
  PlaintextMigrationDeps,
  ReservationStreamClashError,
  sealPlaintextFields,
  verifyPersonalData,
} from './plaintext-migration';

/** Declared events the previous release's fixture writes: 3 of each customer. */
const FIXTURE_DECLARED_EVENTS = 6;

/** Rows of the tables naming streams or holding event data in which `value` shows, any case. */
async function occurrences(dataSource: DataSource, value: string): Promise<number> {
  const [{ count }] = await dataSource.query<{ count: number }[]>(
    `SELECT (SELECT count(*) FROM es_events
              WHERE strpos(lower(stream_id || ' ' || type || ' ' || data::text || ' ' || metadata::text), $1) > 0)
          + (SELECT count(*) FROM es_snapshots WHERE strpos(lower(stream_id || ' ' || state::text), $1) > 0)
          + (SELECT count(*) FROM es_commands WHERE strpos(lower(stream_id || ' ' || result::text), $1) > 0)
          AS count`,
    [value.toLowerCase()],
  );
  return Number(count);
}

const plainReservationStreams = async (dataSource: DataSource): Promise<number> =>
  (await dataSource.query<{ count: number }[]>(PLAIN_RESERVATION_STREAMS_SQL))[0].count;

describe('converting the previous release plain-text personal data (pii:migrate)', () => {
  const master = loadMasterKey({ masterKeyFile: process.env.PII_MASTER_KEY_FILE! });
  let db: TestDatabase;
  let deps: PlaintextMigrationDeps;

  const depsOf = (dataSource: DataSource): PlaintextMigrationDeps => {
    const keys = new DataKeyStore(dataSource, master);
    return { dataSource, keys, lookup: new LookupHash(keys), declarations: customerPersonalFields };
  };

  beforeAll(async () => {
    db = await openTestDatabase('pii-migrate');
    deps = depsOf(db.dataSource);
  });
  afterAll(() => db.close());

  it('seals every personal field, moves the reservations, reads back the same, and a rerun changes nothing', async () => {
    const { ada, bob, adaKing, secrets } = await writePreviousReleaseData(db.dataSource);
    // Written by this release meanwhile: sealed already, with a hashed reservation.
    const keys = deps.keys;
    const protectedStore = new ProtectedEventStore(
      new PostgresEventStore(db.dataSource, { notifyCommits: false }),
      new PersonalDataProtection(keys, customerPersonalFields),
    );
    const carol = { customerId: randomUUID(), name: 'Carol', email: 'c@example.test' };
    await protectedStore.appendToStream(
      customerStreamId(carol.customerId),
      'no_stream',
      [{ type: 'CustomerRegistered', data: { ...carol, documentNumber: 'CA1234' } }],
      { metadata: previousReleaseMetadata() },
    );
    expect(await plainReservationStreams(db.dataSource)).toBe(2);
    for (const secret of secrets)
      expect(await occurrences(db.dataSource, secret)).toBeGreaterThan(0);
    const progress: string[] = [];

    const result = await migratePlaintextPersonalData(deps, (phase, done, total) =>
      progress.push(`${phase} ${done}/${total}`),
    );

    expect(result).toEqual({
      sealedNow: FIXTURE_DECLARED_EVENTS,
      alreadySealed: 1,
      streamsMoved: 2,
    });
    expect(progress).toEqual(['seal 0/6', 'seal 6/6', 'move 0/2', 'move 1/2', 'move 2/2']);
    for (const secret of secrets) expect(await occurrences(db.dataSource, secret)).toBe(0);
    expect(await plainReservationStreams(db.dataSource)).toBe(0);

    const customer = await protectedStore.readStream(customerStreamId(ada.customerId));
    expect(customer.map((event) => event.data)).toEqual([
      { ...ada },
      { customerId: ada.customerId, ...adaKing },
    ]);
    for (const [person, types] of [
      [ada, ['DocumentNumberReserved']],
      [bob, ['DocumentNumberReserved', 'DocumentNumberReleased']],
    ] as const) {
      const streamId = documentReservationStreamId(await deps.lookup.of(person.documentNumber));
      const reservation = await protectedStore.readStream(streamId);
      expect(reservation.map((event) => [event.type, event.data])).toEqual(
        types.map((type) => [
          type,
          { documentNumber: person.documentNumber, customerId: person.customerId },
        ]),
      );
      const [snapshots] = await db.dataSource.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM es_snapshots WHERE stream_id = $1`,
        [streamId],
      );
      expect(snapshots.count).toBe(1);
    }

    const verification = await verifyPersonalData(deps);
    expect(verification).toEqual({ checked: FIXTURE_DECLARED_EVENTS + 1, erased: 0, problems: [] });

    const before = await db.dataSource.query<unknown[]>(
      `SELECT global_position, stream_id, data FROM es_events ORDER BY global_position`,
    );
    const rerun = await migratePlaintextPersonalData(deps);
    expect(rerun).toEqual({
      sealedNow: 0,
      alreadySealed: FIXTURE_DECLARED_EVENTS + 1,
      streamsMoved: 0,
    });
    expect(
      await db.dataSource.query(
        `SELECT global_position, stream_id, data FROM es_events ORDER BY global_position`,
      ),
    ).toEqual(before);
  });

  it('goes on where an interrupted run stopped, batch by batch', async () => {
    const customerId = randomUUID();
    // 1 100 plain contact changes: three batches, the run stopped after the first one.
    await db.dataSource.query(
      `INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
       SELECT gen_random_uuid(), $1, v, 'CustomerContactDetailsChanged',
              jsonb_build_object('customerId', $2::text, 'name', 'Name ' || v, 'email', v || '@example.test'),
              '{}', now()
         FROM generate_series(1, 1100) v`,
      [customerStreamId(customerId), customerId],
    );
    await expect(
      sealPlaintextFields(deps, (_phase, done) => {
        if (done === 500) throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    const rest = await sealPlaintextFields(deps);
    expect(rest.sealedNow).toBe(600);
    expect((await verifyPersonalData(deps)).problems).toEqual([]);
  });

  it('names what is wrong when a field is plain or does not open with its subject key', async () => {
    const [victim] = await db.dataSource.query<{ global_position: string }[]>(
      `SELECT global_position::text AS global_position FROM es_events
        WHERE type = 'CustomerContactDetailsChanged' ORDER BY global_position LIMIT 1`,
    );
    // A value sealed for another field does not open in this one (the field is in the aad).
    await db.dataSource.query(
      `UPDATE es_events SET data = jsonb_set(data, '{name}', data -> 'email')
        WHERE global_position = $1`,
      [victim.global_position],
    );
    await db.dataSource.query(
      `INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
       VALUES (gen_random_uuid(), 'customer-document-LEFT1234', 1, 'DocumentNumberReserved',
               '{"documentNumber":"LEFT1234","customerId":"x"}', '{}', now())`,
    );

    const { problems } = await verifyPersonalData(deps);

    expect(problems).toEqual([
      `the CustomerContactDetailsChanged event at global position ${victim.global_position} does not open with its subject's data key`,
      expect.stringMatching(
        /^the DocumentNumberReserved event at global position \d+ holds documentNumber in plain text$/,
      ),
      '1 reservation streams are still named after the number',
    ]);
  });

  it('stops, naming neither the number nor its hash, when the hashed stream exists already', async () => {
    // The plain LEFT1234 reservation of the test before is still there.
    const hashed = documentReservationStreamId(await deps.lookup.of('LEFT1234'));
    await db.dataSource.query(
      `INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, occurred_at)
       VALUES (gen_random_uuid(), $1, 1, 'DocumentNumberReleased', '{}', '{}', now())`,
      [hashed],
    );

    const moving = movePlainReservationStreams(deps);

    await expect(moving).rejects.toThrow(ReservationStreamClashError);
    const message = await moving.catch((error: Error) => error.message);
    expect(message).not.toMatch(/LEFT1234/i);
    expect(message).not.toContain(hashed.slice('customer-document-'.length));
    expect(await plainReservationStreams(db.dataSource)).toBe(1);
  });
});

describe('npm run pii:migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('pii-migrate-cli');
  });
  afterAll(() => db.close());

  it('converts the previous release data and says what it did', async () => {
    const { secrets } = await writePreviousReleaseData(db.dataSource);

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(__dirname, '../../dist/src/cli/personal-data-migrate.cli.js')],
      {
        env: {
          ...process.env,
          PII_MASTER_KEY: '',
          DATABASE_URL: db.url,
          DATABASE_SCHEMA: db.schema,
          PII_MASTER_KEY_FILE: process.env.PII_MASTER_KEY_FILE,
        },
      },
    );

    expect(stdout).toContain(
      '6 events sealed now, 0 already sealed, 2 reservation streams moved; all 6 events with personal data verified',
    );
    for (const secret of secrets) expect(await occurrences(db.dataSource, secret)).toBe(0);
    expect(await plainReservationStreams(db.dataSource)).toBe(0);
  });
});
