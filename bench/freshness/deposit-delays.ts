import { messageKey } from './broker-scope';
import { processedSeenAt, readableSeenAt, type PollerReport } from './checkpoint-poller';
import { summarise, type LatencySummary } from './latency-summary';
import type { SentDeposit } from './open-loop-deposits';
import { toLocal, type ClockOffset, type RecordedAt } from './recorded-facts';

/** A deposit answered 201 with its position and version. */
export interface AnsweredDeposit extends SentDeposit {
  readonly answeredAt: number;
  readonly position: bigint;
  readonly version: number;
}

export const answeredDeposits = (deposits: readonly SentDeposit[]): AnsweredDeposit[] =>
  deposits.filter(
    (deposit): deposit is AnsweredDeposit =>
      deposit.status === 201 &&
      deposit.answeredAt !== undefined &&
      deposit.position !== undefined &&
      deposit.version !== undefined,
  );

/** The outbox row / message a deposit produced: its stream and version. */
export const messageOf = (deposit: AnsweredDeposit) => ({
  streamId: `account-${deposit.accountId}`,
  streamVersion: deposit.version,
});

/** Every delay of the timed run, measured from the moment each 201 arrived. */
export interface DepositDelays {
  /** Until the checkpoint was seen at or past the event. */
  readonly readModel: LatencySummary;
  /** Until the gap-safe horizon was seen past its transaction (readAll could return it). */
  readonly readable: LatencySummary;
  /** From readable to processed: the runner's own delay (wake-up, batch, commit). */
  readonly runnerLag: LatencySummary;
  /** Until es_outbox.published_at (set after the broker's confirm). */
  readonly broker: LatencySummary;
  /** Until the `#` queue's consumer got it. */
  readonly consumer: LatencySummary;
  /** From the append transaction's start (recorded_at) to the 201: bounds the write-back. */
  readonly startToAnswer: LatencySummary;
}

export interface DelayInputs {
  readonly ok: readonly AnsweredDeposit[];
  /** The log's events by global position. */
  readonly events: ReadonlyMap<bigint, RecordedAt>;
  readonly report: PollerReport;
  /** published_at (database epoch ms) by message key. */
  readonly published: ReadonlyMap<string, number>;
  /** Arrival at the tap (performance.now()) by message key. */
  readonly arrivals: ReadonlyMap<string, number>;
  readonly offset: ClockOffset;
}

/**
 * Each deposit's delays; throws when a 201 is not its event in the log, or was never seen
 * processed, published or delivered (the caller waited for all of that first).
 */
export function depositDelays(inputs: DelayInputs): DepositDelays {
  const { ok, events, report, published, arrivals, offset } = inputs;
  const readModel: number[] = [];
  const readable: number[] = [];
  const runnerLag: number[] = [];
  const broker: number[] = [];
  const consumer: number[] = [];
  const startToAnswer: number[] = [];
  for (const deposit of ok) {
    const message = messageOf(deposit);
    const event = events.get(deposit.position);
    if (
      !event ||
      event.type !== 'MoneyDeposited' ||
      event.streamId !== message.streamId ||
      event.streamVersion !== message.streamVersion
    ) {
      throw new Error(`deposit answered 201 at ${deposit.position} is not that event in the log`);
    }
    const key = messageKey(message.streamId, message.streamVersion);
    const seen = processedSeenAt(report, event);
    const publishedMs = published.get(key);
    const arrived = arrivals.get(key);
    if (seen === undefined || publishedMs === undefined || arrived === undefined) {
      throw new Error(`deposit at ${deposit.position}: processed, published or delivered unseen`);
    }
    // Polled in one statement with the checkpoint, so the horizon is never seen later.
    const horizonPassed = readableSeenAt(report, event) ?? seen;
    readModel.push(seen - deposit.answeredAt);
    readable.push(horizonPassed - deposit.answeredAt);
    runnerLag.push(seen - horizonPassed);
    broker.push(toLocal(publishedMs, offset) - deposit.answeredAt);
    consumer.push(arrived - deposit.answeredAt);
    startToAnswer.push(deposit.answeredAt - toLocal(event.recordedMs, offset));
  }
  return {
    readModel: summarise(readModel),
    readable: summarise(readable),
    runnerLag: summarise(runnerLag),
    broker: summarise(broker),
    consumer: summarise(consumer),
    startToAnswer: summarise(startToAnswer),
  };
}
