import { BackgroundLoop, GO_ON, NextTurn } from '../core/background-loop';
import { LogPosition, RecordedEvent } from '../core/event';
import { EventStore } from '../core/event-store.port';
import { Projection, ProjectionStatus } from './projection';
import { ProjectionLease, SOLE_INSTANCE_LEASE } from './projection-lease.port';
import { ProjectionStore } from './projection-store.port';

export interface ProjectionRunnerOptions {
  /** Events read per batch (and per transaction), default 500. */
  readonly batchSize: number;
  /** Failed attempts at one batch before the projection is parked, default 5. */
  readonly maxAttempts: number;
  /** First retry delay in ms, doubled per failure, default 200. */
  readonly retryBaseMs: number;
  /** Largest retry delay in ms, default 10 000. */
  readonly retryMaxMs: number;
  /** How long an idle runner sleeps when nothing wakes it, default 1 000 ms. */
  readonly idlePollMs: number;
  /** How often a runner without the lease asks for it again, default 2 000 ms. */
  readonly leaseRetryMs: number;
  /**
   * How long a run of batches with no event of the projection's types may be held before
   * the checkpoint is moved past it, default 250 ms. Such batches change no row, so moving
   * the checkpoint for each one is a transaction spent on bookkeeping (a busy log of other
   * types cost every such projection one commit per batch). Readers are not delayed by it:
   * read-your-writes counts an ignored event as processed once nothing relevant precedes it.
   */
  readonly skipCheckpointMs: number;
}

export const DEFAULT_PROJECTION_RUNNER_OPTIONS: ProjectionRunnerOptions = Object.freeze({
  batchSize: 500,
  maxAttempts: 5,
  retryBaseMs: 200,
  retryMaxMs: 10_000,
  idlePollMs: 1_000,
  leaseRetryMs: 2_000,
  skipCheckpointMs: 250,
});

/** What one pass of the runner did. */
export type StepOutcome = 'applied' | 'caught-up' | 'parked' | 'failed' | 'no-lease' | 'lost-race';

const samePosition = (a: LogPosition, b: LogPosition): boolean =>
  a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;

/** The wait before attempt `failures + 1` after `failures` failed ones in a row (≥ 1). */
export const retryDelayMs = (options: ProjectionRunnerOptions, failures: number): number =>
  Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (failures - 1));

/**
 * The idle wait of a loop that holds a checkpoint since `heldSince` (or holds none): a held
 * checkpoint moves when its hold ends, not at the next poll or commit.
 */
export const idleWaitMs = (options: ProjectionRunnerOptions, heldSince?: number): number => {
  if (heldSince === undefined) return options.idlePollMs;
  const held = options.skipCheckpointMs - (Date.now() - heldSince);
  return Math.min(options.idlePollMs, Math.max(1, held));
};

/** An error as stored on the checkpoint (bounded). */
const describeProjectionError = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2_000);

/**
 * Keeps one asynchronous projection up to date from the gap-safe global log. Each batch's
 * rows and the checkpoint commit in one transaction, so a batch is applied exactly once
 * even when it is read twice (after a crash or a failure). A failing batch is retried with
 * exponential backoff; after `maxAttempts` the projection is parked with its error until
 * resumed, and no event is ever skipped. Asynchronous: `start()` runs the loop in the
 * background and never throws upward; errors are recorded on the checkpoint.
 */
export class ProjectionRunner {
  private readonly types: ReadonlySet<string>;
  private readonly loop = new BackgroundLoop(() => this.turn());
  /** Failed steps in a row, for the backoff. */
  private failures = 0;
  private caughtUp = false;
  private holdsLease = false;
  /** Read past, not yet checkpointed: batches with no relevant event since `since`. */
  private skipped?: { from: LogPosition; to: LogPosition; since: number };
  /** Left the group after its failed attempt there: back off before the first retry. */
  private backOffFirst = false;
  /** While set, a ProjectionGroup steps this projection and the runner's own loop idles. */
  private group?: { wake(): void };

  constructor(
    private readonly events: EventStore,
    private readonly checkpoints: ProjectionStore,
    readonly projection: Projection,
    private readonly lease: ProjectionLease = SOLE_INSTANCE_LEASE,
    private readonly options: ProjectionRunnerOptions = DEFAULT_PROJECTION_RUNNER_OPTIONS,
  ) {
    this.types = new Set(projection.eventTypes);
  }

  get name(): string {
    return this.projection.name;
  }

  /** What this instance knows of the projection (the checkpoint store knows the rest). */
  get localStatus(): { running: boolean; caughtUp: boolean; holdsLease: boolean } {
    return { running: this.loop.running, caughtUp: this.caughtUp, holdsLease: this.holdsLease };
  }

  start(): void {
    if (this.loop.running) return;
    this.failures = 0;
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    // Started again meanwhile: the new turns hold the lease now.
    if (this.loop.running) return;
    if (this.holdsLease) await this.lease.release(this.name).catch(() => undefined);
    this.holdsLease = false;
  }

  /** New events may be there: skip the idle wait. */
  wake(): void {
    if (this.group) this.group.wake();
    else this.loop.wake();
  }

  /** Whether a ProjectionGroup steps this projection now. */
  get grouped(): boolean {
    return this.group !== undefined;
  }

  /**
   * A ProjectionGroup steps this projection from now on, in its shared batches; the runner's
   * own loop idles. What the runner read past without a checkpoint is forgotten: the group
   * reads from the stored checkpoint.
   */
  joinGroup(group: { wake(): void }): void {
    this.group = group;
    this.skipped = undefined;
  }

  /**
   * The runner's own loop steps this projection again (its failure, its own position).
   * `afterFailure`: the group's attempt failed (and is recorded), so the first retry backs off.
   */
  leaveGroup(afterFailure = false): void {
    if (!this.group) return;
    this.group = undefined;
    if (afterFailure) this.failures = Math.max(this.failures, 1);
    this.backOffFirst = afterFailure;
    this.loop.wake();
  }

  /** Asks for the lease (every step does): cheap while held; a lease lost is noticed. */
  async acquireLease(): Promise<boolean> {
    this.holdsLease = await this.lease.tryAcquire(this.name);
    if (!this.holdsLease) this.skipped = undefined;
    return this.holdsLease;
  }

  /** What a group's step found for this projection, for its status. */
  noteGroupStep(caughtUp: boolean): void {
    this.caughtUp = caughtUp;
  }

  /** Runs batches until caught up, parked or failed (tests and the CLI drive it directly). */
  async catchUp(): Promise<StepOutcome> {
    for (;;) {
      const outcome = await this.step(true);
      if (outcome !== 'applied' && outcome !== 'lost-race') return outcome;
    }
  }

  /**
   * One batch: read after the checkpoint, apply, move the checkpoint. With `flush`, a
   * checkpoint held back over skipped batches is moved as soon as the log is read to its end.
   */
  async step(flush = false): Promise<StepOutcome> {
    if (!(await this.acquireLease())) return 'no-lease';
    const checkpoint = await this.checkpoints.checkpoint(this.name);
    if (checkpoint.parked) return 'parked';
    // Skipped batches are only remembered against the checkpoint they started from: if it
    // moved meanwhile (a rebuild switched over, another instance), read from where it is.
    const skipped =
      this.skipped && samePosition(this.skipped.from, checkpoint.position)
        ? this.skipped
        : undefined;
    this.skipped = skipped;
    const batch = await this.events.readAll(
      skipped?.to ?? checkpoint.position,
      this.options.batchSize,
    );
    const holdFor = this.options.skipCheckpointMs;
    if (batch.length === 0) {
      this.caughtUp = true;
      if (skipped && (flush || Date.now() - skipped.since >= holdFor))
        return this.commit(checkpoint, skipped.to, []);
      return 'caught-up';
    }
    this.caughtUp = false;
    const last: LogPosition = batch[batch.length - 1];
    const relevant = batch.filter((event: RecordedEvent) => this.types.has(event.type));
    const since = skipped?.since ?? Date.now();
    if (relevant.length === 0 && Date.now() - since < holdFor) {
      this.skipped = { from: checkpoint.position, to: last, since };
      return 'applied';
    }
    return this.commit(checkpoint, last, relevant);
  }

  /** Applies `relevant` and moves the checkpoint to `last` in one transaction. */
  private async commit(
    checkpoint: { position: LogPosition; failures: number },
    last: LogPosition,
    relevant: RecordedEvent[],
  ): Promise<StepOutcome> {
    this.skipped = undefined;
    try {
      const moved = await this.checkpoints.commitBatch(
        this.projection,
        checkpoint.position,
        last,
        relevant,
      );
      return moved ? 'applied' : 'lost-race';
    } catch (error) {
      return (await this.recordFailedAttempt(error, checkpoint.failures)) ? 'parked' : 'failed';
    }
  }

  /**
   * Records a failed attempt at this projection, on top of the `failuresBefore` its checkpoint
   * had, and parks it at `maxAttempts` (its own step's, or a group's attempt for it).
   * @returns whether it is parked now
   */
  async recordFailedAttempt(error: unknown, failuresBefore: number): Promise<boolean> {
    const park = failuresBefore + 1 >= this.options.maxAttempts;
    await this.checkpoints.recordFailure(this.name, describeProjectionError(error), park);
    return park;
  }

  /** Current status for the admin API, given the stored checkpoint's parked flag. */
  status(parked: boolean): ProjectionStatus {
    if (parked) return 'parked';
    return this.caughtUp ? 'running' : 'catching-up';
  }

  private async turn(): Promise<NextTurn> {
    // Woken by leaveGroup(); until then the group's loop does the work.
    if (this.group) return { after: 'idle', ms: this.options.idlePollMs };
    if (this.backOffFirst) {
      this.backOffFirst = false;
      return { after: 'backoff', ms: retryDelayMs(this.options, this.failures) };
    }
    let outcome: StepOutcome;
    try {
      outcome = await this.step();
    } catch {
      // The database itself is unreachable: nothing was recorded, try again later.
      outcome = 'failed';
    }
    this.failures = outcome === 'failed' ? this.failures + 1 : 0;
    if (outcome === 'applied' || outcome === 'lost-race') return GO_ON;
    const ms = this.idleDelay(outcome);
    return outcome === 'failed' ? { after: 'backoff', ms } : { after: 'idle', ms };
  }

  private idleDelay(outcome: StepOutcome): number {
    if (outcome === 'no-lease') return this.options.leaseRetryMs;
    if (outcome === 'failed') return retryDelayMs(this.options, this.failures);
    return idleWaitMs(this.options, this.skipped?.since);
  }
}
