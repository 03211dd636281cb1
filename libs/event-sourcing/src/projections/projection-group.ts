import { BackgroundLoop, GO_ON, NextTurn } from '../core/background-loop';
import { LogPosition, RecordedEvent } from '../core/event';
import { EventStore } from '../core/event-store.port';
import {
  DEFAULT_PROJECTION_RUNNER_OPTIONS,
  idleWaitMs,
  ProjectionRunner,
  ProjectionRunnerOptions,
  retryDelayMs,
} from './projection-runner';
import {
  ProjectionApplyError,
  ProjectionCheckpoint,
  ProjectionStore,
} from './projection-store.port';

/** What one pass of the group did. */
export type GroupStepOutcome = 'applied' | 'caught-up' | 'no-members';

/** One projection's events of a shared batch. */
interface Share {
  readonly runner: ProjectionRunner;
  readonly events: readonly RecordedEvent[];
}

const positionKey = (position: LogPosition): string =>
  `${position.transactionId}:${position.globalPosition}`;

/**
 * Steps several projections together while they stand at the same checkpoint: one read of
 * the log per batch for all of them, and one transaction for all their rows and checkpoints,
 * instead of a read and a commit each. Each projection keeps its own guarantees: its rows
 * commit with its checkpoint, its checkpoint only moves from where it stood (compare-and-set),
 * and only the instance holding its lease writes it.
 *
 * A projection leaves the group, back to its runner's own loop, when it does not stand where
 * most of the group stands (behind after a rebuild, or moved by another instance), is parked,
 * has failures on record, or lost its lease; it joins again once it stands with the group.
 * When one projection's apply throws, nothing of the group commits: the failure is recorded
 * on that projection (parked after `maxAttempts`, as its runner would), it leaves the group,
 * and the others go on at once without it. A failure no projection can be blamed for (the
 * database gone, a commit refused) hands every projection back to its runner for the step.
 */
export class ProjectionGroup {
  private readonly loop = new BackgroundLoop(() => this.turn());
  private readonly types: ReadonlyMap<string, ReadonlySet<string>>;
  private failures = 0;
  /** Where the last commit left the group (see stillStanding); cleared by anything else. */
  private standing?: { members: ProjectionRunner[]; from: LogPosition; lookedAt: number };
  /** When the checkpoints were last read. */
  private lookedAt = 0;
  /** Read past, not yet checkpointed: batches no member had an event in, since `since`. */
  private skipped?: {
    from: LogPosition;
    to: LogPosition;
    since: number;
    /** The members it was read for: only their types were found absent from it. */
    members: ReadonlySet<string>;
  };

  constructor(
    private readonly events: EventStore,
    private readonly checkpoints: ProjectionStore,
    private readonly runners: readonly ProjectionRunner[],
    private readonly options: ProjectionRunnerOptions = DEFAULT_PROJECTION_RUNNER_OPTIONS,
    /** How long the group trusts its own last commit before it reads the checkpoints again. */
    private readonly lookAgainMs = 1_000,
  ) {
    this.types = new Map(
      runners.map((runner) => [runner.name, new Set(runner.projection.eventTypes)]),
    );
  }

  /** Takes every runner in and starts stepping them (each leaves when it does not fit). */
  start(): void {
    if (this.loop.running) return;
    this.runners.forEach((runner) => runner.joinGroup(this));
    this.failures = 0;
    this.loop.start();
  }

  /** Stops the group's loop and hands every projection back to its runner. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.runners.forEach((runner) => runner.leaveGroup());
  }

  wake(): void {
    this.loop.wake();
  }

  /** One shared batch for the projections that stand together. */
  async step(): Promise<GroupStepOutcome> {
    const leased: ProjectionRunner[] = [];
    for (const runner of this.runners) {
      if (await runner.acquireLease()) leased.push(runner);
      else runner.leaveGroup();
    }
    if (leased.length === 0) return 'no-members';
    const together =
      this.stillStanding(leased) ??
      this.standingTogether(
        leased,
        await this.checkpoints.checkpoints(leased.map((runner) => runner.name)),
      );
    if (together === undefined) return 'no-members';
    const { members, from } = together;
    // Held only for the members it was read for: one that joined since (a lease taken over,
    // a runner that caught up) must read those events itself, or it would move past them.
    const skipped =
      this.skipped &&
      positionKey(this.skipped.from) === positionKey(from) &&
      members.every((runner) => this.skipped?.members.has(runner.name))
        ? this.skipped
        : undefined;
    this.skipped = undefined;
    const batch = await this.events.readAll(skipped?.to ?? from, this.options.batchSize);
    const nothingFor = (runner: ProjectionRunner): Share => ({ runner, events: [] });
    if (batch.length === 0) {
      members.forEach((runner) => runner.noteGroupStep(true));
      if (!skipped) return 'caught-up';
      if (Date.now() - skipped.since < this.options.skipCheckpointMs) {
        this.skipped = skipped;
        return 'caught-up';
      }
      await this.commit(members.map(nothingFor), from, skipped.to);
      return 'caught-up';
    }
    members.forEach((runner) => runner.noteGroupStep(false));
    const last: LogPosition = batch[batch.length - 1];
    const shares = members.map((runner): Share => {
      const types = this.types.get(runner.name) ?? new Set<string>();
      return { runner, events: batch.filter((event) => types.has(event.type)) };
    });
    const since = skipped?.since ?? Date.now();
    if (
      shares.every((share) => share.events.length === 0) &&
      Date.now() - since < this.options.skipCheckpointMs
    ) {
      // Nothing to write: the checkpoints move with a later batch, or once the hold ends.
      this.skipped = { from, to: last, since, members: new Set(members.map((r) => r.name)) };
      return 'applied';
    }
    await this.commit(shares, from, last);
    return 'applied';
  }

  /**
   * The group as its last commit left it, while that can be trusted without reading the
   * checkpoints: each batch back to back under load would otherwise cost a read of them. The
   * compare-and-set of the next commit still catches a checkpoint moved meanwhile (another
   * instance, a rebuild's switch-over); what this skips is the chance for a projection outside
   * the group to join, taken at least every `lookAgainMs`.
   */
  private stillStanding(
    leased: readonly ProjectionRunner[],
  ): { members: ProjectionRunner[]; from: LogPosition } | undefined {
    const standing = this.standing;
    this.standing = undefined;
    if (!standing || Date.now() - standing.lookedAt >= this.lookAgainMs) return undefined;
    const intact = standing.members.every((runner) => runner.grouped && leased.includes(runner));
    if (!intact) return undefined;
    this.standing = standing;
    return standing;
  }

  /**
   * The position most leased, healthy projections stand at, and those projections: they are
   * the group now; every other one is left to its runner's own loop.
   */
  private standingTogether(
    leased: readonly ProjectionRunner[],
    stored: readonly ProjectionCheckpoint[],
  ): { members: ProjectionRunner[]; from: LogPosition } | undefined {
    const byName = new Map(stored.map((checkpoint) => [checkpoint.name, checkpoint]));
    const atPosition = new Map<string, { members: ProjectionRunner[]; from: LogPosition }>();
    for (const runner of leased) {
      const checkpoint = byName.get(runner.name);
      if (!checkpoint || checkpoint.parked || checkpoint.failures > 0) {
        runner.leaveGroup();
        continue;
      }
      const key = positionKey(checkpoint.position);
      const found = atPosition.get(key) ?? { members: [], from: checkpoint.position };
      found.members.push(runner);
      atPosition.set(key, found);
    }
    const [largest, ...rest] = [...atPosition.values()].sort(
      (a, b) => b.members.length - a.members.length,
    );
    rest.forEach(({ members }) => members.forEach((runner) => runner.leaveGroup()));
    largest?.members.forEach((runner) => runner.joinGroup(this));
    if (largest) this.lookedAt = Date.now();
    return largest;
  }

  private async commit(
    shares: readonly Share[],
    from: LogPosition,
    to: LogPosition,
  ): Promise<void> {
    try {
      const moved = new Set(
        await this.checkpoints.commitGroup(
          shares.map(({ runner, events }) => ({ projection: runner.projection, events })),
          from,
          to,
        ),
      );
      // Moved elsewhere meanwhile (another instance, its own loop, a rebuild's switch-over).
      const lost = shares.filter(({ runner }) => !moved.has(runner.name));
      lost.forEach(({ runner }) => runner.leaveGroup());
      if (lost.length === 0) {
        const members = shares.map(({ runner }) => runner);
        this.standing = { members, from: to, lookedAt: this.lookedAt };
      }
    } catch (error) {
      if (!(error instanceof ProjectionApplyError)) throw error;
      const failed = shares.find(({ runner }) => runner.name === error.projection)?.runner;
      if (!failed) throw error;
      const { failures } = await this.checkpoints.checkpoint(failed.name);
      await failed.recordFailedAttempt(error.cause, failures);
      // Its runner retries it alone, after its first backoff; the others go on at once without it.
      failed.leaveGroup(true);
    }
  }

  private async turn(): Promise<NextTurn> {
    let outcome: GroupStepOutcome | 'failed';
    try {
      outcome = await this.step();
    } catch {
      // No projection to blame (the database unreachable, a commit refused): every projection
      // goes back to its own runner, whose failures are recorded on it and park it in the end,
      // so one projection's fault at commit cannot hold the others back. Those that succeed
      // stand together again at a later step.
      this.runners.forEach((runner) => runner.leaveGroup());
      outcome = 'failed';
    }
    this.failures = outcome === 'failed' ? this.failures + 1 : 0;
    if (outcome === 'applied') return GO_ON;
    if (outcome === 'failed')
      return { after: 'backoff', ms: retryDelayMs(this.options, this.failures) };
    return { after: 'idle', ms: idleWaitMs(this.options, this.skipped?.since) };
  }
}
