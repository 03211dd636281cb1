import type { PollerReport } from './checkpoint-poller';
import type { DepositDelays } from './deposit-delays';
import { medianByP99, type LatencySummary } from './latency-summary';
import type { PeakResult } from './peak-load';
import type { ClockOffset } from './recorded-facts';

/** What one run measured: the peak, the half-load run, its delays and where the time went. */
export interface RunFigures extends DepositDelays {
  readonly peak: PeakResult;
  /** 2xx answers of the warm-up before the peak (not timed, but checked at the end). */
  readonly warmUpOk: number;
  readonly warmUpFailed: number;
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Sent twice after a keep-alive reset of an idle socket (counted once). */
  readonly retried: number;
  readonly firstFailure?: string;
  readonly httpP50: number;
  readonly httpP99: number;
  readonly poller: PollerReport;
  /** Checkpoint advances seen during the timed run. */
  readonly advances: number;
  /** Longest time without a checkpoint advance while loading (1 000 ms: the idle poll). */
  readonly longestPauseMs: number;
  /** Deposits answered 201 during that pause (each commit wakes the runner). */
  readonly answeredInPause: number;
  /** Relay rounds (distinct published_at) for the run's deposits. */
  readonly relayRounds: number;
  readonly offset: ClockOffset;
  readonly offsetDriftMs: number;
  /** Batches each projection committed during the timed run (the app's own counters). */
  readonly batches: ReadonlyMap<string, number>;
  /** The app process's CPU (% of one core) and the machine's (% of all) during the timed run. */
  readonly cpu?: { processPercent: number; machinePercent: number };
}

export const round1 = (value: number): number => Math.round(value * 10) / 10;

const total = (counts: ReadonlyMap<string, number>): number =>
  [...counts.values()].reduce((sum, count) => sum + count, 0);

/** How the runs were made, for the headings and the verdict. */
export interface ReportSettings {
  readonly accounts: number;
  readonly connections: number;
  readonly peakSeconds: number;
  readonly loadShare: number;
  /** The timed run lasts at least this long, and longer for `minSamples` deposits. */
  readonly seconds: number;
  readonly minSamples: number;
  readonly maxSeconds: number;
  readonly goalP99Ms: number;
}

/** Prints the tables, where the time went, and the goal's verdict (median p99 of the runs). */
export function printReport(runs: readonly RunFigures[], settings: ReportSettings): void {
  console.log(
    `\nEnd-to-end freshness, ${settings.accounts} accounts, peak by autocannon ` +
      `(${settings.connections} connections, ${settings.peakSeconds} s), then open-loop deposits ` +
      `at ${settings.loadShare} x peak for at least ${settings.seconds} s and ` +
      `${settings.minSamples} deposits (at most ${settings.maxSeconds} s); ${runs.length} run(s):`,
  );
  printLoad(runs);
  printDelays(runs);
  runs.forEach((figures, index) => console.log(whereTheTimeGoes(figures, index + 1)));
  console.log(verdict(runs, settings));
}

function printLoad(runs: readonly RunFigures[]): void {
  console.table(
    runs.map((figures, index) => ({
      run: index + 1,
      'peak 2xx/s': Math.round(figures.peak.perSecond),
      'peak failed': figures.peak.failed,
      'peak p99 ms': figures.peak.p99Ms,
      'rate used/s': Math.round(figures.rate),
      'rate / peak': Number((figures.rate / figures.peak.perSecond).toFixed(2)),
      'timed s': round1(figures.sent / figures.rate),
      'deposits sent': figures.sent,
      'answered 201': figures.ok,
      failed: figures.failed,
      'resent (keep-alive reset)': figures.retried,
      'http p50 ms': round1(figures.httpP50),
      'http p99 ms': round1(figures.httpP99),
    })),
  );
}

function printDelays(runs: readonly RunFigures[]): void {
  const rows: Record<string, string | number>[] = [];
  const row = (name: string, summary: LatencySummary) => ({
    interval: name,
    samples: summary.samples,
    'p50 ms': round1(summary.p50),
    'p95 ms': round1(summary.p95),
    'p99 ms': round1(summary.p99),
    'max ms': round1(summary.max),
    'seen before 201 (as 0)': summary.clamped,
  });
  const path = (name: string, pick: (figures: RunFigures) => LatencySummary) => {
    runs.forEach((figures, index) => rows.push(row(`${name}, run ${index + 1}`, pick(figures))));
    if (runs.length > 1) rows.push(row(`${name}, median run`, medianByP99(runs.map(pick))));
  };
  path('201 -> readAll could return it (horizon)', (figures) => figures.readable);
  path('   then -> read model processed it (runner)', (figures) => figures.runnerLag);
  path('201 -> read model processed it', (figures) => figures.readModel);
  path('201 -> RabbitMQ confirmed it', (figures) => figures.broker);
  path('201 -> a # queue consumer got it', (figures) => figures.consumer);
  console.table(rows);
}

function whereTheTimeGoes(figures: RunFigures, run: number): string {
  const seconds = figures.sent / figures.rate;
  const perBatch = figures.ok / Math.max(1, figures.advances);
  const batches = [...figures.batches].map(([name, count]) => `${name} ${count}`).join(', ');
  const cpu = figures.cpu
    ? `app process ${Math.round(figures.cpu.processPercent)}% of one core, machine ` +
      `${Math.round(figures.cpu.machinePercent)}% busy`
    : 'CPU not readable here';
  return [
    `run ${run}, where the time goes:`,
    `  checkpoint polled every ${round1(figures.poller.meanGapMs)} ms on average (max gap ` +
      `${round1(figures.poller.maxGapMs)} ms): the read-model figures are that coarse`,
    `  account-summaries advanced ${figures.advances} times while loading ` +
      `(${round1(figures.advances / seconds)}/s, ${round1(perBatch)} deposits per batch; longest ` +
      `pause without an advance ${round1(figures.longestPauseMs)} ms, ` +
      `${figures.answeredInPause} deposits answered meanwhile)`,
    `  batches committed by each projection during the run: ${batches} ` +
      `(${round1(total(figures.batches) / figures.sent)} projection batches per deposit; the batches of projections standing at one position share one transaction)`,
    `  relay: ${figures.relayRounds} rounds (distinct published_at) for ${figures.ok} deposits ` +
      `(${round1(figures.ok / Math.max(1, figures.relayRounds))} per round)`,
    `  append transaction start (recorded_at) -> 201: p50 ${round1(figures.startToAnswer.p50)} ` +
      `ms, p99 ${round1(figures.startToAnswer.p99)} ms (the commit lies in between)`,
    `  during the run: ${cpu}`,
    `  database clock ahead of ours by ${round1(figures.offset.offsetMs)} ms (+-` +
      `${round1(figures.offset.rttMs / 2)} ms, drift ${round1(figures.offsetDriftMs)} ms over the run)`,
    ...(figures.firstFailure ? [`  first failure: ${figures.firstFailure}`] : []),
  ].join('\n');
}

/** The goal on the median run's p99; stated only at half the peak, and with no deposit failing. */
function verdict(runs: readonly RunFigures[], settings: ReportSettings): string {
  const { loadShare, goalP99Ms } = settings;
  const p99 = medianByP99(runs.map((figures) => figures.readModel)).p99;
  const failed = runs.reduce((sum, figures) => sum + figures.failed, 0);
  const rate = runs.map((figures) => Math.round(figures.rate)).join(', ');
  if (loadShare !== 0.5) {
    return (
      `goal (commit to read model p99 < 25 ms at half the peak) not judged: the load was ${loadShare} x peak, the goal is stated at 0.5 ` +
      `(commit-to-read-model p99 ${round1(p99)} ms at ${rate} deposits/s)`
    );
  }
  if (p99 < goalP99Ms && failed === 0) {
    return (
      `goal (commit to read model p99 < 25 ms at half the peak) MET: commit-to-read-model p99 ${round1(p99)} ms < ${goalP99Ms} ms at half the ` +
      `measured peak (${rate} deposits/s), no deposit failing`
    );
  }
  return (
    `goal (commit to read model p99 < 25 ms at half the peak) MISSED${p99 >= goalP99Ms ? ` by ${round1(p99 - goalP99Ms)} ms` : ''}: ` +
    `commit-to-read-model p99 ${round1(p99)} ms (goal < ${goalP99Ms} ms) at ${rate} deposits/s` +
    (failed > 0 ? `, ${failed} deposit(s) failed` : '')
  );
}
