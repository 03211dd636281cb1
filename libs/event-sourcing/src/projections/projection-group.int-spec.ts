import { randomUUID } from 'node:crypto';
import { ProjectionGroup, ProjectionLease, ProjectionRunner, SOLE_INSTANCE_LEASE } from '../index';
import { PostgresEventStore, PostgresProjectionStore } from '../postgres';
import { eventually } from '../../test/eventually';
import { logSettled } from '../../test/settled-log';
import { openTestDatabase, TestDatabase } from '../../test/test-database';
import { fastRunnerOptions, totalsFixture, TotalsFixture } from '../../test/totals-projection';
import { testMetadata } from '../../test/test-metadata';

let database: TestDatabase;
let store: PostgresEventStore;
let checkpoints: PostgresProjectionStore;
let totals: TotalsFixture;

const fastOptions = fastRunnerOptions;

beforeAll(async () => {
  database = await openTestDatabase('projection_group');
  store = new PostgresEventStore(database.dataSource);
  checkpoints = new PostgresProjectionStore(database.dataSource);
  totals = totalsFixture(database, store, checkpoints);
});
afterAll(() => database.close());
afterEach(() => jest.restoreAllMocks());

/**
 * Runners of totals projections on fresh tables, named `<label>_<n>`; `faults` and event
 * `types` by index (1-based; default `Counted`).
 */
async function totalsRunners(
  label: string,
  count: number,
  options: {
    faults?: Record<number, { failures: number }>;
    types?: Record<number, string[]>;
    lease?: ProjectionLease;
  } = {},
  runnerOptions = fastOptions,
): Promise<ProjectionRunner[]> {
  const runners: ProjectionRunner[] = [];
  for (let n = 1; n <= count; n++) {
    const table = `${label}_${n}`;
    await totals.createTable(table);
    const projection = totals.projection(table, table, options.faults?.[n], options.types?.[n]);
    runners.push(
      new ProjectionRunner(
        store,
        checkpoints,
        projection,
        options.lease ?? SOLE_INSTANCE_LEASE,
        runnerOptions,
      ),
    );
  }
  return runners;
}

/** Group steps until one finds nothing more to read. */
async function stepUntilCaughtUp(group: ProjectionGroup): Promise<void> {
  await eventually(async () => {
    let outcome = await group.step();
    while (outcome === 'applied') outcome = await group.step();
    expect(outcome).toBe('caught-up');
  });
}

const positionOf = async (name: string): Promise<string> => {
  const { position } = await checkpoints.checkpoint(name);
  return `${position.transactionId}:${position.globalPosition}`;
};

describe('ProjectionGroup', () => {
  it('projections at one position: one read and one commit per batch for all of them, the checkpoints read once, and each one’s rows equal a full replay', async () => {
    const runners = await totalsRunners('shared', 3);
    await totals.appendCounted([randomUUID(), randomUUID(), randomUUID()], 5);
    await logSettled(database.dataSource);
    const group = new ProjectionGroup(store, checkpoints, runners, fastOptions, 60_000);
    runners.forEach((runner) => runner.joinGroup(group));
    const reads = jest.spyOn(store, 'readAll');
    const groupCommits = jest.spyOn(checkpoints, 'commitGroup');
    const ownCommits = jest.spyOn(checkpoints, 'commitBatch');
    const looks = jest.spyOn(checkpoints, 'checkpoints');

    await stepUntilCaughtUp(group);

    expect(groupCommits.mock.calls.length).toBeGreaterThan(1);
    // Every read but the last (which found the end of the log) was one commit for all three.
    expect(reads.mock.calls.length).toBe(groupCommits.mock.calls.length + 1);
    for (const [members] of groupCommits.mock.calls) expect(members).toHaveLength(3);
    expect(ownCommits).not.toHaveBeenCalled();
    // Batch after batch, the group trusts where its own commit left the checkpoints.
    expect(looks).toHaveBeenCalledTimes(1);
    const replay = await totals.fullReplay();
    for (const runner of runners) {
      expect(await totals.rows(runner.name)).toEqual(replay);
      expect(runner.grouped).toBe(true);
      expect(runner.localStatus.caughtUp).toBe(true);
    }
    const positions = await Promise.all(runners.map((runner) => positionOf(runner.name)));
    expect(new Set(positions).size).toBe(1);
  });

  it('one projection’s apply throws: nothing of that batch commits, the failure is on that projection alone, and the others go on without it', async () => {
    const fault = { failures: 1 };
    const runners = await totalsRunners('failing', 3, { faults: { 2: fault } });
    const [first, failing, third] = runners;
    await totals.appendCounted([randomUUID()], 3);
    await logSettled(database.dataSource);
    const group = new ProjectionGroup(store, checkpoints, runners, fastOptions);
    runners.forEach((runner) => runner.joinGroup(group));

    expect(await group.step()).toBe('applied');
    // The whole batch rolled back: no checkpoint moved, the failure is recorded on one only.
    for (const runner of runners) expect(await positionOf(runner.name)).toBe('0:0');
    expect(await checkpoints.checkpoint(failing.name)).toMatchObject({
      failures: 1,
      parked: false,
      lastError: expect.stringContaining('read database unavailable (injected)') as string,
    });
    expect(await checkpoints.checkpoint(first.name)).toMatchObject({ failures: 0 });
    expect(failing.grouped).toBe(false);

    await stepUntilCaughtUp(group);
    expect(failing.grouped).toBe(false);
    expect(await positionOf(failing.name)).toBe('0:0');
    const replay = await totals.fullReplay();
    expect(await totals.rows(first.name)).toEqual(replay);
    expect(await totals.rows(third.name)).toEqual(replay);

    // Its own runner retries it (the fault is over) and it stands with the group again.
    await eventually(async () => expect(await failing.catchUp()).toBe('caught-up'));
    expect(await totals.rows(failing.name)).toEqual(replay);
    // It joins at the group's next look at the checkpoints (at least once a second).
    await eventually(async () => {
      await stepUntilCaughtUp(group);
      expect(failing.grouped).toBe(true);
    });
  });

  it('parks a projection whose apply throws on its last allowed attempt, as its runner would', async () => {
    const runners = await totalsRunners(
      'parking',
      2,
      { faults: { 1: { failures: 1_000 } } },
      { ...fastOptions, maxAttempts: 1 },
    );
    await totals.appendCounted([randomUUID()], 2);
    await logSettled(database.dataSource);
    const group = new ProjectionGroup(store, checkpoints, runners, {
      ...fastOptions,
      maxAttempts: 1,
    });
    runners.forEach((runner) => runner.joinGroup(group));

    await stepUntilCaughtUp(group);
    expect(await checkpoints.checkpoint(runners[0].name)).toMatchObject({
      parked: true,
      failures: 1,
    });
    expect(await positionOf(runners[0].name)).toBe('0:0'); // nothing skipped
    expect(await totals.rows(runners[1].name)).toEqual(await totals.fullReplay());
  });

  it('a projection behind the others is left to its own runner, and joins once it stands with them', async () => {
    const [ahead, alsoAhead] = await totalsRunners('ahead', 2);
    await totals.appendCounted([randomUUID()], 2);
    // Both must catch up to the same end of the log: no commit of another file may be hidden.
    await logSettled(database.dataSource);
    const [behind] = await totalsRunners('behind', 1);
    const runners = [ahead, alsoAhead, behind];
    const group = new ProjectionGroup(store, checkpoints, runners, fastOptions);
    await eventually(async () => {
      for (const runner of [ahead, alsoAhead]) expect(await runner.catchUp()).toBe('caught-up');
    });
    runners.forEach((runner) => runner.joinGroup(group));

    await group.step();
    expect(behind.grouped).toBe(false);
    expect(ahead.grouped && alsoAhead.grouped).toBe(true);

    await eventually(async () => {
      expect(await behind.catchUp()).toBe('caught-up');
      await stepUntilCaughtUp(group);
      expect(behind.grouped).toBe(true);
    });
    const replay = await totals.fullReplay();
    for (const runner of runners) expect(await totals.rows(runner.name)).toEqual(replay);
  });

  it('leaves out a projection whose lease another instance holds, and never writes it', async () => {
    let refused = '';
    const lease: ProjectionLease = {
      tryAcquire: (name) => Promise.resolve(name !== refused),
      release: () => Promise.resolve(),
    };
    const runners = await totalsRunners('leased', 2, { lease });
    refused = runners[1].name;
    await totals.appendCounted([randomUUID()], 2);
    const group = new ProjectionGroup(store, checkpoints, runners, fastOptions);
    runners.forEach((runner) => runner.joinGroup(group));

    await stepUntilCaughtUp(group);
    expect(runners[1].grouped).toBe(false);
    expect(runners[1].localStatus.holdsLease).toBe(false);
    expect(await totals.rows(runners[1].name)).toEqual([]);
    expect(await positionOf(runners[1].name)).toBe('0:0');
    expect(await totals.rows(runners[0].name)).toEqual(await totals.fullReplay());
  });

  it('a projection that joins while the group holds its checkpoint over events of no member’s types reads those events itself', async () => {
    let refused = '';
    const lease: ProjectionLease = {
      tryAcquire: (name) => Promise.resolve(name !== refused),
      release: () => Promise.resolve(),
    };
    const runners = await totalsRunners(
      'joining',
      3,
      { types: { 3: ['Other'] }, lease },
      { ...fastOptions, skipCheckpointMs: 60_000 },
    );
    const [, , joining] = runners;
    // All three must catch up to one end of the log: no commit of another file may be hidden.
    await logSettled(database.dataSource);
    await eventually(async () => {
      for (const runner of runners) expect(await runner.catchUp()).toBe('caught-up');
    });
    const stream = randomUUID();
    await store.appendToStream(stream, 0, [{ type: 'Other', data: { amount: 7 } }], {
      metadata: testMetadata(),
    });
    await logSettled(database.dataSource);
    const group = new ProjectionGroup(
      store,
      checkpoints,
      runners,
      { ...fastOptions, skipCheckpointMs: 60_000 },
      0,
    );
    runners.forEach((runner) => runner.joinGroup(group));

    // Another instance holds the third: the other two read past the event, none of theirs.
    refused = joining.name;
    expect(await group.step()).toBe('applied');
    expect(joining.grouped).toBe(false);
    // It is back (the lease taken over), at the position the others' hold started from.
    refused = '';
    await stepUntilCaughtUp(group);
    expect(joining.grouped).toBe(true);
    expect(await totals.rows(joining.name)).toEqual([
      { stream_id: stream, total: '7', events: 1, last_version: 1, gaps: 0 },
    ]);
  });

  it('a projection parked by its own runner while the group trusts its last commit is not moved', async () => {
    const runners = await totalsRunners('parked_meanwhile', 2);
    await totals.appendCounted([randomUUID()], 2);
    await logSettled(database.dataSource);
    const group = new ProjectionGroup(store, checkpoints, runners, fastOptions, 60_000);
    runners.forEach((runner) => runner.joinGroup(group));
    expect(await group.step()).toBe('applied');
    const [healthy, parked] = runners;
    const at = await positionOf(parked.name);
    await checkpoints.recordFailure(parked.name, 'parked elsewhere (injected)', true);

    await stepUntilCaughtUp(group);
    expect(parked.grouped).toBe(false);
    expect(await positionOf(parked.name)).toBe(at);
    expect(await totals.rows(healthy.name)).toEqual(await totals.fullReplay());
  });

  it('a commit refused with no projection to blame: every projection goes back to its runner, the culprit parks there, the others stand together again', async () => {
    const runners = await totalsRunners('refused', 3, {}, { ...fastOptions, maxAttempts: 2 });
    const culprit = runners[1];
    // A deferred check fails at COMMIT, after every apply succeeded.
    await database.dataSource.query(`
      CREATE FUNCTION refuse_${culprit.name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused at commit (injected)'; END $$`);
    await database.dataSource.query(`
      CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON ${culprit.name}
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_${culprit.name}()`);
    await totals.appendCounted([randomUUID()], 3);
    const group = new ProjectionGroup(store, checkpoints, runners, fastOptions);
    runners.forEach((runner) => runner.start());
    group.start();
    try {
      await eventually(async () => {
        expect(await checkpoints.checkpoint(culprit.name)).toMatchObject({ parked: true });
        const replay = await totals.fullReplay();
        for (const runner of [runners[0], runners[2]]) {
          expect(await totals.rows(runner.name)).toEqual(replay);
          expect(runner.grouped).toBe(true);
        }
      }, 20_000);
      expect(culprit.grouped).toBe(false);
      expect((await checkpoints.checkpoint(culprit.name)).lastError).toContain('refused at commit');
    } finally {
      await group.stop();
      await Promise.all(runners.map((runner) => runner.stop()));
    }
  });
});
