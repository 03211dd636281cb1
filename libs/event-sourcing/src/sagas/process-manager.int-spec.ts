import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { version as uuidVersion } from 'uuid';
import {
  DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS,
  DEFAULT_PROJECTION_RUNNER_OPTIONS,
  JsonObject,
  ProcessCommandSender,
  ProcessManager,
  ProcessManagerWorker,
  ProcessManagerWorkerOptions,
  ProjectionRunner,
  RecordedEvent,
  START,
  StoredProcessCommand,
} from '../index';
import {
  PostgresEventStore,
  PostgresProcessManagers,
  PostgresProjectionStore,
  processManagerProjection,
} from '../postgres';
import { eventually } from '../../test/eventually';
import {
  describeOnServer,
  onEmbeddedDatabase,
  openTestDatabase,
  TestDatabase,
  testDataSourceOptions,
} from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

/*
 * Process managers on PostgreSQL: the decisions a manager makes from events (run as a
 * projection), the worker that sends the commands it stored, refusals, deadlines and crashes.
 * Time for deadlines is a virtual clock handed to the worker; commands' retry delays and
 * leases are the database's own clock, so those are observed by bounded polling only.
 */

let database: TestDatabase;
let events: PostgresEventStore;
let checkpoints: PostgresProjectionStore;
let store: PostgresProcessManagers;

const T0 = Date.parse('2025-03-01T09:00:00.000Z');

/** A clock that moves only when told to. */
class VirtualClock {
  private ms = T0;
  readonly now = (): Date => new Date(this.ms);
  set(offsetMs: number): void {
    this.ms = T0 + offsetMs;
  }
}

// ---------------------------------------------------------------------------------------------
// A small process manager of our own: a "job" that asks for work, may set a deadline, and
// records in its state what it was told (so double handling shows up in PostgreSQL).

type JobState = {
  phase: 'NEW' | 'WORKING' | 'DONE';
  /** Events applied to this process: a batch applied twice would count twice. */
  events: number;
  /** Refusals handled (committed). */
  rejections: string[];
  /** Deadlines fired, as `key@now`. */
  firings: string[];
};

const TIMEOUT = 'timeout';

/** What the test manager did, counted outside the database (even in rolled-back work). */
interface Calls {
  rejected: number;
  deadlines: number;
}

/**
 * `JobStarted {run, processId, work: string[], deadlineInMs?}` asks for one command per entry
 * of `work` (on every delivery, on purpose: a redelivered event decides the same commands
 * again) and may schedule TIMEOUT; `JobFinished` cancels it. A refusal asks for `Compensate`, a
 * deadline for `TimedOut`. Events of other runs are ignored, so tests share one schema safely.
 */
function jobManager(
  name: string,
  calls: Calls = { rejected: 0, deadlines: 0 },
  fault: { failOn?: string } = {},
): ProcessManager<JobState> {
  return {
    name,
    eventTypes: ['JobStarted', 'JobFinished'],
    processId: (event: RecordedEvent) =>
      event.data.run === name && typeof event.data.processId === 'string'
        ? event.data.processId
        : null,
    initialState: () => ({ phase: 'NEW', events: 0, rejections: [], firings: [] }),
    onEvent(state, event, now) {
      const processId = typeof event.data.processId === 'string' ? event.data.processId : '';
      if (fault.failOn === processId) throw new Error(`cannot decide for ${processId} (injected)`);
      const seen = { ...state, events: state.events + 1 };
      if (event.type === 'JobFinished')
        return { state: { ...seen, phase: 'DONE' }, cancel: [TIMEOUT] };
      const work = Array.isArray(event.data.work) ? event.data.work.map(String) : [];
      const deadlineInMs = event.data.deadlineInMs;
      return {
        state: { ...seen, phase: 'WORKING' },
        commands: work.map((type) => ({ type, data: { processId } })),
        schedule:
          typeof deadlineInMs === 'number'
            ? [{ key: TIMEOUT, dueAt: new Date(now.getTime() + deadlineInMs).toISOString() }]
            : [],
      };
    },
    onRejected(state, command, code) {
      calls.rejected++;
      return {
        state: { ...state, rejections: [...state.rejections, `${command.type}:${code}`] },
        commands: [{ type: 'Compensate', data: { ...command.data, refused: command.type, code } }],
      };
    },
    onDeadline(state, key, now) {
      calls.deadlines++;
      return {
        state: { ...state, firings: [...state.firings, `${key}@${now.toISOString()}`] },
        commands: [{ type: 'TimedOut', data: { key } }],
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The command sender double (the CommandBus is not the database).

/** A business refusal, as a command handler's DomainError would be. */
class Refusal extends Error {
  constructor(readonly code: string) {
    super(`refused: ${code}`);
  }
}

/** Records every send; `behaviour` decides how each one ends (default: handled). */
class FakeSender implements ProcessCommandSender {
  readonly sent: StoredProcessCommand[] = [];
  private readonly entered: { count: number; resolve: () => void }[] = [];

  constructor(
    private readonly behaviour: (
      command: StoredProcessCommand,
      sends: number,
    ) => Promise<void> | void = () => undefined,
  ) {}

  async send(command: StoredProcessCommand): Promise<void> {
    this.sent.push(command);
    for (const waiter of this.entered) if (this.sent.length >= waiter.count) waiter.resolve();
    await this.behaviour(command, this.sent.filter((c) => c.id === command.id).length);
  }

  rejectionCode(error: unknown): string | null {
    return error instanceof Refusal ? error.code : null;
  }

  /** Resolves once `count` sends have begun. */
  whenSent(count: number): Promise<void> {
    if (this.sent.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.entered.push({ count, resolve }));
  }

  ids(type?: string): string[] {
    return this.sent.filter((c) => type === undefined || c.type === type).map((c) => c.id);
  }
}

const workerOptions = (overrides: Partial<ProcessManagerWorkerOptions> = {}) => ({
  ...DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS,
  leaseMs: 60_000,
  retryBaseMs: 1,
  retryMaxMs: 8,
  idlePollMs: 10,
  ...overrides,
});

function worker(
  manager: ProcessManager<JobState>,
  sender: ProcessCommandSender,
  options: Partial<ProcessManagerWorkerOptions> = {},
  clock: () => Date = () => new Date(T0),
  processManagers: PostgresProcessManagers = store,
): ProcessManagerWorker {
  return new ProcessManagerWorker(
    processManagers,
    [manager],
    sender,
    workerOptions(options),
    clock,
  );
}

// ---------------------------------------------------------------------------------------------
// Events in, rows out.

interface StartJob {
  readonly processId: string;
  readonly work?: readonly string[];
  readonly deadlineInMs?: number;
}

const metadata = (occurredAt: number) =>
  testMetadata({ occurredAt: new Date(occurredAt).toISOString() });

const started = (run: string, job: StartJob): { type: string; data: JsonObject } => ({
  type: 'JobStarted',
  data: {
    run,
    processId: job.processId,
    work: [...(job.work ?? ['DoWork'])],
    ...(job.deadlineInMs === undefined ? {} : { deadlineInMs: job.deadlineInMs }),
  },
});

/** Appends the events in one transaction (one stream), occurred at `occurredAt`. */
async function append(
  occurredAt: number,
  ...newEvents: { type: string; data: JsonObject }[]
): Promise<RecordedEvent[]> {
  const result = await events.appendToStream(`job-${randomUUID()}`, 'no_stream', newEvents, {
    metadata: metadata(occurredAt),
  });
  return [...result.events];
}

const runnerOptions = {
  ...DEFAULT_PROJECTION_RUNNER_OPTIONS,
  batchSize: 100,
  retryBaseMs: 5,
  retryMaxMs: 20,
  idlePollMs: 20,
};

const runnerFor = (manager: ProcessManager<JobState>) =>
  new ProjectionRunner(
    events,
    checkpoints,
    processManagerProjection(manager),
    undefined,
    runnerOptions,
  );

/**
 * Catches the manager up until `ready` holds (gap-safe reads may hold back a commit of another
 * test file for a few milliseconds).
 */
async function catchUp(
  runner: ProjectionRunner,
  ready: () => Promise<void> | void = () => undefined,
): Promise<void> {
  await eventually(async () => {
    expect(await runner.catchUp()).toBe('caught-up');
    await ready();
  });
}

interface CommandRow {
  id: string;
  process_id: string;
  causation_id: string;
  type: string;
  data: JsonObject;
  status: 'pending' | 'done' | 'rejected' | 'parked';
  attempts: number;
  outcome: string | null;
  claimed: boolean;
  backing_off: boolean;
}

async function commandRows(manager: string): Promise<CommandRow[]> {
  const rows: CommandRow[] = await database.dataSource.query(
    `SELECT id, process_id, causation_id, type, data, status, attempts, outcome,
            coalesce(claimed_until > now(), false) AS claimed, available_at > now() AS backing_off
       FROM es_process_commands WHERE manager = $1 ORDER BY seq`,
    [manager],
  );
  return rows;
}

async function stateOf(manager: string, processId: string): Promise<JobState | undefined> {
  const rows: { state: JobState }[] = await database.dataSource.query(
    `SELECT state FROM es_process_state WHERE manager = $1 AND process_id = $2`,
    [manager, processId],
  );
  return rows[0]?.state;
}

async function deadlineRows(
  manager: string,
): Promise<{ process_id: string; key: string; due_at: Date; status: string }[]> {
  const rows: { process_id: string; key: string; due_at: Date; status: string }[] =
    await database.dataSource.query(
      `SELECT process_id, key, due_at, status FROM es_process_deadlines
        WHERE manager = $1 ORDER BY process_id, key`,
      [manager],
    );
  return rows;
}

/**
 * `worker.drain()`, bounded: rounds until one does nothing, failing after `maxRounds` (a
 * deadline or command handled again and again would otherwise loop forever).
 */
async function drain(driver: ProcessManagerWorker, maxRounds = 20): Promise<void> {
  for (let round = 1; round <= maxRounds; round++) if ((await driver.round()) === 0) return;
  throw new Error(`still busy after ${maxRounds} rounds`);
}

/** Rounds until `ready` holds, for what the database's clock releases (retries, leases). */
async function roundsUntil(
  drivers: readonly ProcessManagerWorker[],
  ready: () => Promise<void> | void,
): Promise<void> {
  await eventually(async () => {
    for (const driver of drivers) await drain(driver);
    await ready();
  });
}

beforeAll(async () => {
  database = await openTestDatabase('process_managers');
  events = new PostgresEventStore(database.dataSource);
  checkpoints = new PostgresProjectionStore(database.dataSource);
  store = new PostgresProcessManagers(database.dataSource);
});

// Workers claim the commands of every manager in the schema: settle what a test left pending
// (a deliberately held claim, a backing-off command) so that the next test starts clean.
afterEach(async () => {
  await database.dataSource.query(
    `UPDATE es_process_commands SET status = 'done', outcome = 'cleaned up by the test'
      WHERE status = 'pending'`,
  );
});

afterAll(() => database.close());

// =============================================================================================

describe('a process manager run as a projection', () => {
  it('stores its state, commands and deadlines with the checkpoint; command ids are UUIDv5 of their cause', async () => {
    const name = 'pm-stores';
    const manager = jobManager(name);
    const [first] = await append(
      T0,
      started(name, { processId: 'p1', work: ['DoWork', 'Notify'], deadlineInMs: 60_000 }),
    );
    const [second, finished] = await append(
      T0 + 5_000,
      started(name, { processId: 'p2', work: ['DoWork'] }),
      { type: 'JobFinished', data: { run: name, processId: 'p2' } },
    );
    // Not ours: another run's job is ignored (processId null).
    await append(T0, started('someone-else', { processId: 'p1' }));
    const runner = runnerFor(manager);
    await catchUp(runner, async () => expect(await commandRows(name)).toHaveLength(3));

    const rows = await commandRows(name);
    expect(
      rows.map(({ process_id, causation_id, type, data, status, attempts }) => ({
        process_id,
        causation_id,
        type,
        data,
        status,
        attempts,
      })),
    ).toEqual([
      {
        process_id: 'p1',
        causation_id: first.eventId,
        type: 'DoWork',
        data: { processId: 'p1' },
        status: 'pending',
        attempts: 0,
      },
      {
        process_id: 'p1',
        causation_id: first.eventId,
        type: 'Notify',
        data: { processId: 'p1' },
        status: 'pending',
        attempts: 0,
      },
      {
        process_id: 'p2',
        causation_id: second.eventId,
        type: 'DoWork',
        data: { processId: 'p2' },
        status: 'pending',
        attempts: 0,
      },
    ]);
    for (const row of rows) expect(uuidVersion(row.id)).toBe(5);
    expect(new Set(rows.map((row) => row.id)).size).toBe(3);

    expect(await stateOf(name, 'p1')).toEqual({
      phase: 'WORKING',
      events: 1,
      rejections: [],
      firings: [],
    });
    expect(await stateOf(name, 'p2')).toEqual({
      phase: 'DONE',
      events: 2,
      rejections: [],
      firings: [],
    });
    // The deadline is computed from the event's occurred-at, not the wall clock.
    expect(await deadlineRows(name)).toEqual([
      { process_id: 'p1', key: TIMEOUT, due_at: new Date(T0 + 60_000), status: 'pending' },
    ]);
    const checkpoint = await checkpoints.checkpoint(name);
    expect(checkpoint.position.globalPosition).toBeGreaterThanOrEqual(finished.globalPosition);
    expect(checkpoint).toMatchObject({ parked: false, failures: 0 });
  });

  it('a batch that fails stores nothing: state, commands and checkpoint move together', async () => {
    const name = 'pm-atomic';
    const fault: { failOn?: string } = { failOn: 'bad' };
    const manager = jobManager(name, undefined, fault);
    const runner = runnerFor(manager);
    // One transaction: the reader sees both events or neither.
    const [good, bad] = await append(
      T0,
      started(name, { processId: 'good', deadlineInMs: 1_000 }),
      started(name, { processId: 'bad' }),
    );
    await eventually(async () => expect(await runner.step()).toBe('failed'));

    const failed = await checkpoints.checkpoint(name);
    expect(failed.failures).toBe(1);
    expect(failed.lastError).toContain('cannot decide for bad (injected)');
    expect(failed.position.globalPosition).toBeLessThan(good.globalPosition);
    // 'good' was decided before 'bad' failed, in the same transaction: rolled back with it.
    expect(await stateOf(name, 'good')).toBeUndefined();
    expect(await commandRows(name)).toEqual([]);
    expect(await deadlineRows(name)).toEqual([]);

    delete fault.failOn;
    await catchUp(runner);
    expect((await commandRows(name)).map((row) => [row.process_id, row.causation_id])).toEqual([
      ['good', good.eventId],
      ['bad', bad.eventId],
    ]);
    expect(await stateOf(name, 'good')).toMatchObject({ events: 1 });
    expect(await deadlineRows(name)).toHaveLength(1);
    expect(await checkpoints.checkpoint(name)).toMatchObject({ failures: 0, lastError: null });
  });

  it('a batch read twice stores its commands once: racing runners, then a rewound checkpoint', async () => {
    const name = 'pm-twice';
    const manager = jobManager(name);
    const appended = await append(
      T0,
      started(name, { processId: 'a', work: ['DoWork', 'Notify'] }),
      started(name, { processId: 'b', work: ['DoWork', 'Notify'] }),
      started(name, { processId: 'c', work: ['DoWork', 'Notify'] }),
    );
    // Two runners read the same batch; the compare-and-set checkpoint lets one apply it.
    const runners = [runnerFor(manager), runnerFor(manager)];
    await Promise.all(
      runners.map((runner) =>
        catchUp(runner, async () => expect(await commandRows(name)).toHaveLength(6)),
      ),
    );
    const before = await commandRows(name);
    expect(before).toHaveLength(6);
    for (const processId of ['a', 'b', 'c'])
      expect(await stateOf(name, processId)).toMatchObject({ events: 1 });

    const sender = new FakeSender();
    await drain(worker(manager, sender));
    expect(sender.ids().sort()).toEqual(before.map((row) => row.id).sort());

    // Read again from the start: the same events decide the same commands, with the same ids,
    // and ON CONFLICT DO NOTHING keeps them as they were (done, not re-sent).
    await checkpoints.setCheckpoint(name, START);
    await catchUp(runners[0], async () =>
      expect((await checkpoints.checkpoint(name)).position.globalPosition).toBeGreaterThanOrEqual(
        appended[2].globalPosition,
      ),
    );
    const after = await commandRows(name);
    expect(after.map((row) => [row.id, row.status])).toEqual(before.map((row) => [row.id, 'done']));
    expect(await worker(manager, sender).round()).toBe(0);
    expect(sender.sent).toHaveLength(6);
    // The state was decided again (a manager that counts must guard itself); commands were not.
    expect(await stateOf(name, 'a')).toMatchObject({ events: 2 });
  });
});

// =============================================================================================

describe('the process manager worker', () => {
  it('sends each stored command once, with its stored id, and marks it done', async () => {
    const name = 'pm-send';
    const manager = jobManager(name);
    await append(T0, started(name, { processId: 'x', work: ['DoWork', 'Notify'] }));
    await append(T0, started(name, { processId: 'y', work: ['DoWork'] }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(3));
    const stored = await commandRows(name);

    const sender = new FakeSender();
    const driver = worker(manager, sender);
    await drain(driver);

    // One batch is sent concurrently, in no promised order: compare as sets.
    const byId = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(
      sender.sent
        .map((c) => [c.id, c.manager, c.processId, c.causationId, c.type, c.data])
        .sort(byId),
    ).toEqual(
      stored
        .map((row) => [row.id, name, row.process_id, row.causation_id, row.type, row.data])
        .sort(byId),
    );
    expect((await commandRows(name)).map((row) => [row.status, row.outcome, row.attempts])).toEqual(
      [
        ['done', 'handled', 0],
        ['done', 'handled', 0],
        ['done', 'handled', 0],
      ],
    );
    expect(await driver.round()).toBe(0);
    expect(sender.sent).toHaveLength(3);
  });

  it('retries a command whose sending failed (not a refusal) with growing attempts, until it is sent', async () => {
    const name = 'pm-retry';
    const manager = jobManager(name);
    await append(T0, started(name, { processId: 'flaky' }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));
    const sender = new FakeSender((_command, sends) => {
      if (sends <= 3) throw new Error(`command bus unavailable (${sends})`);
    });
    const driver = worker(manager, sender, { retryBaseMs: 1, retryMaxMs: 4 });

    expect(await driver.round()).toBe(1);
    const [failedOnce] = await commandRows(name);
    expect(failedOnce).toMatchObject({
      status: 'pending',
      attempts: 1,
      outcome: 'Error: command bus unavailable (1)',
      claimed: false,
    });

    await roundsUntil([driver], async () =>
      expect((await commandRows(name))[0].status).toBe('done'),
    );
    const [row] = await commandRows(name);
    expect(row).toMatchObject({ status: 'done', attempts: 3, outcome: 'handled' });
    // The same command each time, and each send saw the attempts so far.
    expect(sender.ids()).toEqual([row.id, row.id, row.id, row.id]);
    expect(sender.sent.map((c) => c.attempts)).toEqual([0, 1, 2, 3]);
  });

  it('backs off: a failed command is not sent again before its delay', async () => {
    const name = 'pm-backoff';
    const manager = jobManager(name);
    await append(T0, started(name, { processId: 'slow' }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));
    const sender = new FakeSender(() => {
      throw new Error('timeout talking to the handler');
    });
    const driver = worker(manager, sender, { retryBaseMs: 60_000, retryMaxMs: 60_000 });
    expect(await driver.round()).toBe(1);
    expect(await driver.round()).toBe(0);
    expect(sender.sent).toHaveLength(1);
    expect((await commandRows(name))[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      backing_off: true,
    });
  });

  it('hands a refusal to its manager once, storing the follow-up commands it decides', async () => {
    const name = 'pm-refused';
    const calls: Calls = { rejected: 0, deadlines: 0 };
    const manager = jobManager(name, calls);
    await append(T0, started(name, { processId: 'r', work: ['DoWork', 'Notify'] }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(2));
    const sender = new FakeSender((command) => {
      if (command.type === 'DoWork') throw new Refusal('NOT_ALLOWED');
    });
    const driver = worker(manager, sender);
    await drain(driver);
    await drain(driver);

    expect(calls.rejected).toBe(1);
    const rows = await commandRows(name);
    const doWork = rows.find((row) => row.type === 'DoWork');
    expect(rows.map((row) => [row.type, row.status, row.outcome])).toEqual([
      ['DoWork', 'rejected', 'rejected: NOT_ALLOWED'],
      ['Notify', 'done', 'handled'],
      ['Compensate', 'done', 'handled'],
    ]);
    expect(rows[2]).toMatchObject({
      process_id: 'r',
      causation_id: `${doWork?.id}/rejected`,
      data: { processId: 'r', refused: 'DoWork', code: 'NOT_ALLOWED' },
    });
    expect(uuidVersion(rows[2].id)).toBe(5);
    expect(await stateOf(name, 'r')).toMatchObject({ rejections: ['DoWork:NOT_ALLOWED'] });
    expect(sender.ids('DoWork')).toEqual([doWork?.id]); // a refusal is final: never resent
  });
});

describeOnServer('the process manager worker, dispatching twice at once', () => {
  it('two workers refused the same command concurrently: onRejected runs once', async () => {
    const name = 'pm-refused-twice';
    const calls: Calls = { rejected: 0, deadlines: 0 };
    const manager = jobManager(name, calls);
    await append(T0, started(name, { processId: 'rr', work: ['DoWork'] }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));
    const [command] = await commandRows(name);

    // Both sends are held until both have begun, then both are refused.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sender = new FakeSender(async (sent) => {
      if (sent.type !== 'DoWork') return;
      await gate;
      throw new Refusal('LIMIT_REACHED');
    });
    // A tiny lease, so that the second worker claims the command the first is still sending.
    const first = worker(manager, sender, { leaseMs: 1 });
    const second = worker(
      manager,
      sender,
      { leaseMs: 1 },
      undefined,
      new PostgresProcessManagers(database.dataSource),
    );

    const rounds = [first.round()];
    await sender.whenSent(1);
    const startedAt = Date.now();
    while (sender.ids('DoWork').length < 2) {
      if (Date.now() - startedAt > 5_000) throw new Error('the second worker never claimed it');
      const round = second.round();
      const winner = await Promise.race([
        round.then(() => 'idle' as const),
        sender.whenSent(2).then(() => 'sending' as const),
      ]);
      rounds.push(round);
      if (winner === 'sending') break;
    }
    expect(sender.ids('DoWork')).toEqual([command.id, command.id]);
    release();
    await Promise.all(rounds);

    expect(calls.rejected).toBe(1);
    expect(await stateOf(name, 'rr')).toMatchObject({ rejections: ['DoWork:LIMIT_REACHED'] });
    const rows = await commandRows(name);
    expect(rows.map((row) => [row.type, row.status])).toEqual([
      ['DoWork', 'rejected'],
      ['Compensate', 'pending'],
    ]);
    expect(rows[1].causation_id).toBe(`${command.id}/rejected`);
    await roundsUntil([first], async () =>
      expect((await commandRows(name)).map((row) => row.status)).toEqual(['rejected', 'done']),
    );
  });
});

// =============================================================================================

describe('deadlines', () => {
  it('fire on the virtual clock at their due time, not before, and once', async () => {
    const name = 'pm-deadline';
    const calls: Calls = { rejected: 0, deadlines: 0 };
    const manager = jobManager(name, calls);
    await append(T0, started(name, { processId: 'd', work: [], deadlineInMs: 60_000 }));
    await catchUp(runnerFor(manager), async () => expect(await deadlineRows(name)).toHaveLength(1));
    const clock = new VirtualClock();
    const sender = new FakeSender();
    const driver = worker(manager, sender, {}, clock.now);

    clock.set(59_999);
    expect(await driver.round()).toBe(0);
    expect(calls.deadlines).toBe(0);
    expect((await deadlineRows(name))[0].status).toBe('pending');

    clock.set(60_000);
    expect(await store.fireDueDeadlines(manager, clock.now())).toBe(1);
    expect(await stateOf(name, 'd')).toMatchObject({
      firings: [`${TIMEOUT}@${new Date(T0 + 60_000).toISOString()}`],
    });
    const [timedOut] = await commandRows(name);
    expect(timedOut).toMatchObject({
      type: 'TimedOut',
      data: { key: TIMEOUT },
      causation_id: `d/deadline/${TIMEOUT}/${new Date(T0 + 60_000).toISOString()}`,
    });
    expect((await deadlineRows(name))[0].status).toBe('fired');

    clock.set(3_600_000);
    await drain(driver);
    expect(calls.deadlines).toBe(1);
    expect(sender.ids()).toEqual([timedOut.id]);
  });

  it('are listed until they fire, earliest first, the due ones flagged', async () => {
    const name = 'pm-deadline-list';
    const manager = jobManager(name);
    // One due long ago (the virtual T0), one an hour from now by the database's clock.
    await append(T0, started(name, { processId: 'overdue', work: [], deadlineInMs: 60_000 }));
    await append(
      Date.now() + 3_600_000,
      started(name, { processId: 'later', work: [], deadlineInMs: 60_000 }),
    );
    await catchUp(runnerFor(manager), async () => expect(await deadlineRows(name)).toHaveLength(2));
    const mine = async (dueOnly: boolean) =>
      (await store.listDeadlines(dueOnly, 1_000)).filter((row) => row.manager === name);

    expect(await mine(false)).toEqual([
      {
        manager: name,
        processId: 'overdue',
        key: TIMEOUT,
        dueAt: new Date(T0 + 60_000),
        due: true,
      },
      expect.objectContaining({ processId: 'later', key: TIMEOUT, due: false }),
    ]);
    expect((await mine(true)).map((row) => row.processId)).toEqual(['overdue']);

    await store.fireDueDeadlines(manager, new Date(T0 + 60_000));
    expect((await mine(false)).map((row) => row.processId)).toEqual(['later']);
  });

  it('a cancelled deadline never fires', async () => {
    const name = 'pm-cancel';
    const calls: Calls = { rejected: 0, deadlines: 0 };
    const manager = jobManager(name, calls);
    await append(T0, started(name, { processId: 'c', work: [], deadlineInMs: 60_000 }));
    await append(T0 + 1_000, { type: 'JobFinished', data: { run: name, processId: 'c' } });
    await catchUp(runnerFor(manager), async () =>
      expect((await stateOf(name, 'c'))?.phase).toBe('DONE'),
    );
    expect((await deadlineRows(name))[0].status).toBe('cancelled');

    const clock = new VirtualClock();
    clock.set(24 * 3_600_000);
    const driver = worker(manager, new FakeSender(), {}, clock.now);
    expect(await driver.round()).toBe(0);
    expect(calls.deadlines).toBe(0);
    expect(await commandRows(name)).toEqual([]);
  });

  it('a deadline set before a restart fires after it, once', async () => {
    const name = 'pm-restart';
    const before: Calls = { rejected: 0, deadlines: 0 };
    await append(T0, started(name, { processId: 'z', work: [], deadlineInMs: 60_000 }));
    await catchUp(runnerFor(jobManager(name, before)), async () =>
      expect(await deadlineRows(name)).toHaveLength(1),
    );
    const clock = new VirtualClock();
    clock.set(30_000);
    const old = worker(jobManager(name, before), new FakeSender(), {}, clock.now);
    expect(await old.round()).toBe(0);

    // "Restart": new connections, store, manager and worker; only the database remains.
    const restarted = onEmbeddedDatabase()
      ? database.dataSource
      : await new DataSource(
          testDataSourceOptions({ url: database.url, schema: database.schema, poolSize: 2 }),
        ).initialize();
    try {
      const after: Calls = { rejected: 0, deadlines: 0 };
      const sender = new FakeSender();
      const fresh = worker(
        jobManager(name, after),
        sender,
        {},
        clock.now,
        new PostgresProcessManagers(restarted),
      );
      clock.set(61_000);
      await drain(fresh);
      expect(after.deadlines).toBe(1);
      expect(sender.sent.map((c) => c.type)).toEqual(['TimedOut']);
      // Neither it nor the old instance fires it again.
      await drain(fresh);
      expect(await old.round()).toBe(0);
      expect(before.deadlines + after.deadlines).toBe(1);
      expect(await stateOf(name, 'z')).toMatchObject({
        firings: [`${TIMEOUT}@${new Date(T0 + 61_000).toISOString()}`],
      });
    } finally {
      if (restarted !== database.dataSource) await restarted.destroy();
    }
  });
});

describeOnServer('deadlines with several workers', () => {
  it('two workers on one database and one virtual clock fire each deadline once', async () => {
    const name = 'pm-deadline-race';
    const calls: Calls = { rejected: 0, deadlines: 0 };
    const manager = jobManager(name, calls);
    const processIds = Array.from({ length: 30 }, (_, n) => `race-${n}`);
    await append(
      T0,
      ...processIds.map((processId) =>
        started(name, { processId, work: [], deadlineInMs: 60_000 }),
      ),
    );
    await catchUp(runnerFor(manager), async () =>
      expect(await deadlineRows(name)).toHaveLength(processIds.length),
    );
    const clock = new VirtualClock();
    clock.set(60_000);
    const sender = new FakeSender();
    const workers = [
      worker(manager, sender, {}, clock.now, new PostgresProcessManagers(database.dataSource)),
      worker(manager, sender, {}, clock.now, new PostgresProcessManagers(database.dataSource)),
    ];
    // Concurrent rounds of both workers, and small concurrent batches straight from the store.
    const directFired = await Promise.all([
      ...workers
        .flatMap((w) => [w.round(), w.round()])
        .map(async (round) => {
          await round;
          return 0;
        }),
      ...Array.from({ length: 4 }, () => store.fireDueDeadlines(manager, clock.now(), 3)),
    ]);
    await Promise.all(workers.map((w) => drain(w)));

    expect(calls.deadlines).toBe(processIds.length);
    expect(directFired.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(processIds.length);
    for (const processId of processIds)
      expect((await stateOf(name, processId))?.firings).toHaveLength(1);
    const rows = await commandRows(name);
    expect(rows.map((row) => row.process_id).sort()).toEqual([...processIds].sort());
    expect(rows.every((row) => row.type === 'TimedOut' && row.status === 'done')).toBe(true);
    expect(new Set((await deadlineRows(name)).map((row) => row.status))).toEqual(
      new Set(['fired']),
    );
    expect(sender.sent).toHaveLength(processIds.length);
  });
});

// =============================================================================================

describe('a stale send', () => {
  it('refused after another worker re-claimed and handled the command changes nothing', async () => {
    const name = 'pm-stale';
    const calls: Calls = { rejected: 0, deadlines: 0 };
    const manager = jobManager(name, calls);
    await append(T0, started(name, { processId: 's', work: ['DoWork'] }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));

    // The first worker's send is slow and outlives its lease; it is refused only at the end.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = new FakeSender(async () => {
      await gate;
      throw new Refusal('LIMIT_REACHED');
    });
    const stale = worker(manager, slow, { leaseMs: 1 }).round();
    await slow.whenSent(1);

    // Meanwhile another worker claims it again; its send is still under way when the stale
    // one is refused, and succeeds afterwards.
    let finish: () => void = () => undefined;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    const current = new FakeSender(() => finishing);
    const fresh = worker(
      manager,
      current,
      {},
      undefined,
      new PostgresProcessManagers(database.dataSource),
    );
    let freshRound: Promise<number> = Promise.resolve(0);
    const startedAt = Date.now();
    while (current.sent.length === 0) {
      if (Date.now() - startedAt > 5_000) throw new Error('the fresh worker never claimed it');
      freshRound = fresh.round();
      await Promise.race([freshRound, current.whenSent(1)]);
    }

    release();
    await stale;
    expect((await commandRows(name))[0].status).toBe('pending'); // the refusal was not taken
    finish();
    await freshRound;

    // The stale refusal is not the last word: no onRejected, no follow-up, still done.
    expect(calls.rejected).toBe(0);
    expect((await commandRows(name)).map((row) => [row.type, row.status])).toEqual([
      ['DoWork', 'done'],
    ]);
  });
});

describe('a command that keeps failing', () => {
  it('is parked after maxAttempts failed sends with its last error, and sent again once an operator retries it', async () => {
    const name = 'pm-park';
    const manager = jobManager(name);
    await append(T0, started(name, { processId: 'stuck' }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));
    const [stored] = await commandRows(name);
    const fault = { failing: true };
    const sender = new FakeSender((_command, sends) => {
      if (fault.failing) throw new Error(`handler unavailable (${sends})`);
    });
    const driver = worker(manager, sender, { maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 4 });

    await roundsUntil([driver], async () =>
      expect((await commandRows(name))[0].status).toBe('parked'),
    );
    expect((await commandRows(name))[0]).toMatchObject({
      attempts: 3,
      outcome: 'Error: handler unavailable (3)',
      claimed: false,
    });
    expect(sender.ids()).toEqual([stored.id, stored.id, stored.id]);
    // Parked means parked: no round sends it again.
    await drain(driver);
    expect(sender.sent).toHaveLength(3);

    const mine = async (statuses: ('pending' | 'parked')[]) =>
      (await store.listCommands(statuses, 1_000)).filter((command) => command.manager === name);
    const [parked] = await mine(['parked']);
    expect(parked).toMatchObject({
      id: stored.id,
      processId: 'stuck',
      causationId: stored.causation_id,
      type: 'DoWork',
      status: 'parked',
      attempts: 3,
      lastError: 'Error: handler unavailable (3)',
    });
    expect(parked.updatedAt.getTime()).toBeGreaterThanOrEqual(parked.createdAt.getTime());
    expect(await mine(['pending'])).toEqual([]);
    expect((await store.countCommands()).parked).toBeGreaterThanOrEqual(1);

    // The operator's retry: pending, due now, a fresh budget; only a parked command qualifies.
    expect(await store.retryParkedCommand(randomUUID())).toBe(false);
    expect(await store.retryParkedCommand(stored.id)).toBe(true);
    expect(await store.retryParkedCommand(stored.id)).toBe(false);
    expect(await mine(['pending', 'parked'])).toEqual([
      expect.objectContaining({
        id: stored.id,
        status: 'pending',
        attempts: 0,
        // The error stays on show until the command succeeds or fails again.
        lastError: 'Error: handler unavailable (3)',
      }),
    ]);

    fault.failing = false;
    await roundsUntil([driver], async () =>
      expect((await commandRows(name))[0].status).toBe('done'),
    );
    expect((await commandRows(name))[0]).toMatchObject({ attempts: 0, outcome: 'handled' });
    expect(sender.ids()).toEqual([stored.id, stored.id, stored.id, stored.id]);
    expect(sender.sent[3].attempts).toBe(0);
    expect(await mine(['pending', 'parked'])).toEqual([]);
  });

  it('a refusal is not a failure: refused on its last allowed attempt, it is handed to its manager', async () => {
    const name = 'pm-park-refused';
    const calls: Calls = { rejected: 0, deadlines: 0 };
    const manager = jobManager(name, calls);
    await append(T0, started(name, { processId: 'last', work: ['DoWork'] }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));
    const sender = new FakeSender((command, sends) => {
      if (command.type !== 'DoWork') return;
      if (sends < 2) throw new Error('handler unavailable');
      throw new Refusal('NOT_ALLOWED');
    });
    const driver = worker(manager, sender, { maxAttempts: 2, retryBaseMs: 1, retryMaxMs: 4 });
    await roundsUntil([driver], async () =>
      expect((await commandRows(name)).map((row) => [row.type, row.status])).toEqual([
        ['DoWork', 'rejected'],
        ['Compensate', 'done'],
      ]),
    );
    expect(calls.rejected).toBe(1);
  });
});

describe('a crashed dispatch', () => {
  it('is sent again after its lease, with the same command id', async () => {
    const name = 'pm-crash';
    const manager = jobManager(name);
    await append(T0, started(name, { processId: 'k', work: ['DoWork'] }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));
    const [stored] = await commandRows(name);

    // The first worker claims it and "crashes" mid-send: its send never settles.
    const crashed = new FakeSender(() => new Promise<void>(() => undefined));
    void worker(manager, crashed, { leaseMs: 1 }).round();
    await crashed.whenSent(1);
    expect((await commandRows(name))[0].status).toBe('pending');

    const survivor = new FakeSender();
    const restarted = worker(
      manager,
      survivor,
      {},
      undefined,
      new PostgresProcessManagers(database.dataSource),
    );
    await roundsUntil([restarted], async () =>
      expect((await commandRows(name))[0].status).toBe('done'),
    );
    expect(crashed.ids()).toEqual([stored.id]);
    expect(survivor.sent.map((c) => [c.id, c.causationId, c.type, c.data])).toEqual([
      [stored.id, stored.causation_id, 'DoWork', { processId: 'k' }],
    ]);
    // A lost claim is not a failure: no attempt was counted.
    expect((await commandRows(name))[0]).toMatchObject({ attempts: 0, outcome: 'handled' });
  });

  it('is not sent again while its lease holds', async () => {
    const name = 'pm-held';
    const manager = jobManager(name);
    await append(T0, started(name, { processId: 'h', work: ['DoWork'] }));
    await catchUp(runnerFor(manager), async () => expect(await commandRows(name)).toHaveLength(1));
    const hung = new FakeSender(() => new Promise<void>(() => undefined));
    void worker(manager, hung, { leaseMs: 60_000 }).round();
    await hung.whenSent(1);

    const other = new FakeSender();
    expect(await worker(manager, other).round()).toBe(0);
    expect(other.sent).toEqual([]);
    expect((await commandRows(name))[0]).toMatchObject({ status: 'pending', claimed: true });
  });
});
