import { BackgroundLoop, GO_ON, NextTurn } from '../core/background-loop';
import { MessagePublisher, PublishOutcome } from './message-publisher.port';
import { OutboxMessage } from './outbox-message';
import { OutboxClaim, OutboxStore } from './outbox-store.port';

export interface OutboxRelayOptions {
  /** Messages claimed and published per round, default 200. */
  readonly batchSize: number;
  /**
   * Messages of one stream sent before their confirms are in, default 1: each message only
   * after the confirm of the one before, so nothing overtakes a message the broker nacks
   * and a dead letter holds back everything after it. More: a window goes out back to back
   * on one channel, whose order RabbitMQ keeps, so a busy stream pays one broker round trip
   * per window instead of one per message; but a message the broker nacks (a queue that
   * rejects publishes when full, or a queue's internal error) may then be overtaken by later
   * messages of its stream that other queues already took. Those are sent again after it
   * (see `resent`), so each message's last copy follows its predecessors.
   */
  readonly publishWindow: number;
  /** How long a claim lasts; a relay that dies releases its messages after it. Default 30 000 ms. */
  readonly leaseMs: number;
  /** Rejected attempts before a message is dead-lettered, default 10. */
  readonly maxAttempts: number;
  /** First retry delay after a rejection, doubled per attempt, with jitter. Default 1 000 ms. */
  readonly retryBaseMs: number;
  /** Largest retry delay, default 60 000 ms. */
  readonly retryMaxMs: number;
  /** Sleep when idle or while the transport is down, unless woken. Default 1 000 ms. */
  readonly idlePollMs: number;
  /** Published messages are deleted after this long, default 7 days. */
  readonly retentionMs: number;
  /** How often published messages past retention are deleted, default 60 000 ms. */
  readonly cleanupEveryMs: number;
}

export const DEFAULT_OUTBOX_RELAY_OPTIONS: OutboxRelayOptions = Object.freeze({
  batchSize: 200,
  publishWindow: 1,
  leaseMs: 30_000,
  maxAttempts: 10,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  idlePollMs: 1_000,
  retentionMs: 7 * 24 * 3_600_000,
  cleanupEveryMs: 60_000,
});

/** Counters of one relay instance since it started. */
export interface OutboxRelayStats {
  /** Messages the broker confirmed and this relay marked published. */
  published: number;
  /** Failed attempts charged to a message (nack, invalid). */
  rejected: number;
  /**
   * Messages given back unpublished: the transport failed (no attempt charged), or an
   * earlier message of their stream failed in the same round (not sent at all).
   */
  released: number;
  /**
   * Messages confirmed by the broker whose claim another relay had taken over meanwhile
   * (this relay outlived its lease): each is a duplicate delivery that consumers deduplicate.
   */
  duplicates: number;
  /**
   * Messages the broker confirmed behind an earlier message of their stream that failed in
   * the same window: given back with it and sent again after it, so the last copy of every
   * message follows its predecessors (consumers deduplicate the first).
   */
  resent: number;
}

/** A claim, and when to stop sending its messages. */
interface ClaimedRound {
  readonly claim: OutboxClaim;
  /** Epoch ms: well before the claim runs out, past which another relay may hold the rows. */
  readonly sendUntil: number;
}

const describeError = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2_000);

/**
 * Publishes the transactional outbox at least once, in order per stream. A message is marked
 * published only after the transport confirmed it; a rejected one is retried with exponential
 * backoff and jitter and dead-lettered after `maxAttempts`, which holds back only the later
 * messages of its own stream. A stream's messages are sent a window at a time
 * (`publishWindow`), so a busy stream is not held to one broker round trip per message.
 * Several relays may run on one database: claims exclude each other, so a message is
 * published twice only when a relay outlives its lease, crashes between the confirm and the
 * mark, or is resent behind a failed one. Asynchronous: `start()` never throws upward.
 */
export class OutboxRelay {
  private readonly loop = new BackgroundLoop(() => this.turn());
  private readonly counters: OutboxRelayStats = {
    published: 0,
    rejected: 0,
    released: 0,
    duplicates: 0,
    resent: 0,
  };
  private nextCleanup = 0;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: MessagePublisher,
    private readonly options: OutboxRelayOptions = DEFAULT_OUTBOX_RELAY_OPTIONS,
    private readonly onError: (error: unknown) => void = () => undefined,
    /**
     * Told each sent message's outcome once the outbox recorded it (the app logs them with
     * their correlation ids); must not throw.
     */
    private readonly onSettled: (message: OutboxMessage, outcome: PublishOutcome) => void = () =>
      undefined,
  ) {}

  get stats(): Readonly<OutboxRelayStats> {
    return { ...this.counters };
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** New messages may be there: skip the idle wait. */
  wake(): void {
    this.loop.wake();
  }

  /** Publishes rounds until nothing is due (tests and benchmarks drive it directly). */
  async drain(): Promise<void> {
    while ((await this.publishRound()) > 0);
  }

  /**
   * Claims a batch, publishes it and settles each message. While claims come back full (a
   * backlog), the work on the database overlaps the broker's: the next batch is claimed behind
   * this one while this one is being published, and this one is settled while the next is being
   * published. A stream with a message that was not published (nacked, unsent, the transport
   * down) sends nothing more in this round: its later messages are given back to follow it.
   * Batches are settled one after the other; if settling one fails, the next is left to its
   * claim's expiry, so whoever takes both sends them again in order.
   * @returns how many messages were claimed (0: nothing due, or the transport is down).
   */
  async publishRound(): Promise<number> {
    if (!this.publisher.isReady()) return 0;
    /** Streams with a message not published in this round. */
    const stopped = new Set<string>();
    let round: ClaimedRound | undefined = await this.claimRound([]);
    let claimed = 0;
    let settling: Promise<void> = Promise.resolve();
    let settlingToken: string | undefined;
    let ahead: Promise<ClaimedRound> | undefined;
    try {
      while (round !== undefined && round.claim.messages.length > 0) {
        const { claim, sendUntil }: ClaimedRound = round;
        claimed += claim.messages.length;
        // Made behind the claims still held: this one, and the one whose settling may be under way.
        const held = settlingToken === undefined ? [claim.token] : [settlingToken, claim.token];
        ahead = claim.messages.length >= this.options.batchSize ? this.claimRound(held) : undefined;
        // Each is awaited below; a failure then surfaces there, not as an unhandled rejection.
        ahead?.catch(() => undefined);
        const outcomes = await this.publishInStreamOrder(claim.messages, sendUntil);
        for (const message of claim.messages) {
          if (outcomes.get(message.id)?.status !== 'published') stopped.add(message.streamId);
        }
        await settling;
        settling = this.settle(claim.token, claim.messages, outcomes);
        settlingToken = claim.token;
        settling.catch(() => undefined);
        const next: ClaimedRound | undefined = ahead === undefined ? undefined : await ahead;
        ahead = undefined;
        round = next === undefined ? undefined : await this.withoutStopped(next, stopped);
      }
    } catch (error) {
      // Nothing of this round is left running: the settling under way finishes, and a batch
      // claimed ahead is given back at once rather than left to its claim's expiry.
      await settling.catch(() => undefined);
      const orphan = await ahead?.catch(() => undefined);
      if (orphan !== undefined && orphan.claim.messages.length > 0) {
        const ids = orphan.claim.messages.map((message) => message.id);
        await this.store
          .release(orphan.claim.token, ids, this.options.idlePollMs)
          .then(() => (this.counters.released += ids.length))
          .catch(() => undefined); // the database is failing: the claim's expiry gives them back
      }
      throw error;
    }
    await settling;
    return claimed;
  }

  private async claimRound(behind: readonly string[]): Promise<ClaimedRound> {
    const sendUntil = Date.now() + this.options.leaseMs * 0.8;
    const claim = await this.store.claim(this.options.batchSize, this.options.leaseMs, behind);
    return { claim, sendUntil };
  }

  /**
   * A batch claimed behind earlier ones, without the messages of `stopped` streams (and all of
   * them if the transport went down meanwhile): those are given back unsent, to follow the
   * message that stopped their stream.
   */
  private async withoutStopped(next: ClaimedRound, stopped: Set<string>): Promise<ClaimedRound> {
    const { claim } = next;
    const ready = this.publisher.isReady();
    const kept: OutboxMessage[] = [];
    const given: string[] = [];
    for (const message of claim.messages) {
      if (ready && !stopped.has(message.streamId)) {
        kept.push(message);
      } else {
        given.push(message.id);
        stopped.add(message.streamId);
      }
    }
    if (given.length > 0) {
      await this.store.release(claim.token, given, this.options.idlePollMs);
      this.counters.released += given.length;
    }
    return { ...next, claim: { token: claim.token, messages: kept } };
  }

  /**
   * Publishes in waves of up to `publishWindow` messages per stream: the first window of
   * every stream together, then the next window of every stream whose messages were all
   * confirmed, and so on. A stream stops at its first message that failed: the messages
   * behind it get no outcome, so they are given back and sent after it, even those the
   * broker confirmed (counted in `resent`). Different streams share each round trip. Stops
   * when the claim nears its end (`sendUntil`).
   * @returns the outcome per outbox id; messages not to be settled as sent (behind a
   *   failure in their stream, or once the claim ran short) have none.
   */
  private async publishInStreamOrder(
    messages: readonly OutboxMessage[],
    sendUntil: number,
  ): Promise<Map<string, PublishOutcome>> {
    const streams = new Map<string, OutboxMessage[]>();
    for (const message of messages) {
      const stream = streams.get(message.streamId);
      if (stream === undefined) streams.set(message.streamId, [message]);
      else stream.push(message);
    }
    const window = Math.max(1, this.options.publishWindow);
    const outcomes = new Map<string, PublishOutcome>();
    let active = [...streams.values()];
    for (let wave = 0; active.length > 0 && Date.now() < sendUntil; wave++) {
      const slices = active.map((stream) => stream.slice(wave * window, (wave + 1) * window));
      const batch = slices.flat();
      let results: PublishOutcome[];
      try {
        results = await this.publisher.publish(batch);
      } catch (error) {
        results = batch.map(() => ({ status: 'unavailable', error: describeError(error) }));
      }
      let index = 0;
      active = active.filter((stream, position) => {
        let failed = false;
        for (const message of slices[position]) {
          const outcome = results[index++] ?? { status: 'unavailable', error: 'no outcome' };
          if (failed) {
            if (outcome.status === 'published') this.counters.resent++;
          } else {
            outcomes.set(message.id, outcome);
            failed = outcome.status !== 'published';
          }
        }
        return !failed && stream.length > (wave + 1) * window;
      });
    }
    return outcomes;
  }

  private async settle(
    token: string,
    messages: readonly OutboxMessage[],
    outcomes: ReadonlyMap<string, PublishOutcome>,
  ): Promise<void> {
    const published: string[] = [];
    const released: string[] = [];
    for (const message of messages) {
      const outcome = outcomes.get(message.id);
      if (outcome === undefined) {
        // Not sent, or sent behind an earlier message of its stream that failed: again later.
        released.push(message.id);
      } else if (outcome.status === 'published') {
        published.push(message.id);
      } else if (outcome.status === 'rejected') {
        await this.store.markFailed(
          token,
          message.id,
          outcome.error,
          this.retryDelayMs(message.attempts + 1),
          this.options.maxAttempts,
        );
        this.counters.rejected++;
      } else {
        released.push(message.id);
      }
    }
    if (published.length > 0) {
      const marked = await this.store.markPublished(token, published);
      this.counters.published += marked;
      this.counters.duplicates += published.length - marked;
    }
    if (released.length > 0) {
      await this.store.release(token, released, this.options.idlePollMs);
      this.counters.released += released.length;
    }
    for (const message of messages) {
      const outcome = outcomes.get(message.id);
      if (outcome !== undefined) this.onSettled(message, outcome);
    }
  }

  /** Exponential backoff with "equal jitter": between half and all of the ceiling. */
  private retryDelayMs(attempt: number): number {
    const ceiling = Math.min(
      this.options.retryMaxMs,
      this.options.retryBaseMs * 2 ** (attempt - 1),
    );
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async turn(): Promise<NextTurn> {
    try {
      const claimed = await this.publishRound();
      await this.cleanUpWhenDue();
      return claimed > 0 ? GO_ON : { after: 'idle', ms: this.options.idlePollMs };
    } catch (error) {
      // The database is unreachable: nothing was settled; claims run out and are retaken.
      this.onError(error);
      return { after: 'backoff', ms: this.options.idlePollMs };
    }
  }

  private async cleanUpWhenDue(): Promise<void> {
    if (Date.now() < this.nextCleanup) return;
    this.nextCleanup = Date.now() + this.options.cleanupEveryMs;
    while ((await this.store.deletePublished(this.options.retentionMs, 5_000)) === 5_000);
  }
}
