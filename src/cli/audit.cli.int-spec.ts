import { randomBytes, randomUUID } from 'node:crypto';
import { CheckpointSigner, PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { openTestDatabase, TestDatabase } from '../../test/support/test-database';
import { waitForLogHorizon } from '../../libs/event-sourcing/test/log-horizon';
import { testMetadata } from '../../libs/event-sourcing/test/test-metadata';
import { auditCommand } from './audit.cli';

describe('npm run audit', () => {
  let db: TestDatabase;
  const signer = new CheckpointSigner(randomBytes(32));

  beforeAll(async () => {
    db = await openTestDatabase('audit-cli');
  });
  afterAll(() => db.close());

  it('checkpoints, verifies, and exits 1 naming the first broken event', async () => {
    const store = new PostgresEventStore(db.dataSource, { notifyCommits: false });
    const streamId = `cli-${randomUUID()}`;
    await store.appendToStream(
      streamId,
      'no_stream',
      [1, 2, 3].map((n) => ({ type: 'Counted', data: { n } })),
      { metadata: testMetadata() },
    );
    await waitForLogHorizon(db.dataSource);
    const checkpoint = await auditCommand(db.dataSource, signer, ['checkpoint']);
    expect(checkpoint).toMatchObject({ code: 0 });
    expect(JSON.parse(checkpoint.output)).toMatchObject({ sequence: 1, events: 3 });

    const verified = await auditCommand(db.dataSource, signer, ['verify']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.output)).toEqual({ verified: true, events: 3, checkpoints: 1 });

    await db.dataSource.query(`DELETE FROM es_events WHERE stream_id = $1 AND stream_version = 2`, [
      streamId,
    ]);
    for (const args of [['verify'], ['verify', '--stream', streamId]]) {
      const broken = await auditCommand(db.dataSource, signer, args);
      expect(broken.code).toBe(1);
      expect(JSON.parse(broken.output)).toMatchObject({
        verified: false,
        firstBrokenAt: { problem: 'missing-predecessor', streamId, streamVersion: 3 },
      });
    }
  });

  it('answers the usage and 2 to anything else', async () => {
    for (const args of [[], ['verify', '--stream'], ['rewrite']])
      expect(await auditCommand(db.dataSource, signer, args)).toMatchObject({ code: 2 });
  });
});
