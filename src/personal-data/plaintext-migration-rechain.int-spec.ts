import { randomBytes } from 'node:crypto';
import {
  CheckpointSigner,
  SigningKeyRequiredError,
  verifyEventLog,
  writeAuditCheckpoint,
} from '@ledgerline/event-sourcing/postgres';
import { waitForLogHorizon } from '../../libs/event-sourcing/test/log-horizon';
import { writePreviousReleaseData } from '../../test/support/previous-release-data';
import { openTestDatabase, TestDatabase } from '../../test/support/test-database';
import { customerPersonalFields } from '../customers';
import { DataKeyStore } from './data-key-store';
import { LookupHash } from './document-lookup';
import { loadMasterKey } from './master-key';
import {
  migratePlaintextPersonalData,
  PLAINTEXT_MIGRATION_RECHAIN,
  PlaintextMigrationDeps,
} from './plaintext-migration';

describe('the event log after pii:migrate rewrote events in place', () => {
  const master = loadMasterKey({ masterKeyFile: process.env.PII_MASTER_KEY_FILE! });
  const signer = new CheckpointSigner(randomBytes(32));
  let db: TestDatabase;
  let deps: PlaintextMigrationDeps;

  beforeAll(async () => {
    db = await openTestDatabase('pii-migrate-rechain');
    const keys = new DataKeyStore(db.dataSource, master);
    deps = {
      dataSource: db.dataSource,
      keys,
      lookup: new LookupHash(keys),
      declarations: customerPersonalFields,
      checkpointSigner: signer,
    };
  });
  afterAll(() => db.close());

  it('verifies, chains and checkpoints included, and the re-chain is recorded', async () => {
    await writePreviousReleaseData(db.dataSource);
    const [{ total }] = await db.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM es_events`,
    );
    // The app ran before the migration and signed the plain-text log.
    await waitForLogHorizon(db.dataSource);
    expect(await writeAuditCheckpoint(db.dataSource, signer)).toMatchObject({ events: total });
    await expect(
      migratePlaintextPersonalData({ ...deps, checkpointSigner: undefined }),
    ).rejects.toBeInstanceOf(SigningKeyRequiredError);
    expect((await verifyEventLog(db.dataSource, signer)).verified).toBe(false);

    await migratePlaintextPersonalData(deps);

    expect(await verifyEventLog(db.dataSource, signer)).toEqual({
      verified: true,
      events: total,
      checkpoints: 1,
    });
    expect(
      await db.dataSource.query(
        `SELECT reason, checkpoints_resigned::int AS resigned FROM es_audit_rechains`,
      ),
    ).toEqual([{ reason: PLAINTEXT_MIGRATION_RECHAIN, resigned: 1 }]);
  });
});
