import { Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ProjectionsService } from '../../projections/projections.service';
import { LedgerlineMetrics, SCRAPE_SOURCES } from './ledgerline-metrics';
import { SCRAPE_SOURCE_TIMEOUT_MS, StateMetrics } from './state-metrics';

/** The rows both backlog statements return, all in one (each source reads its own fields). */
const ROWS = [
  {
    pending: 3,
    dead_letters: 1,
    oldest_pending_age_seconds: 12,
    retrying: 1,
    parked: 2,
    deadlines_due: 0,
  },
];

/**
 * A database whose queries wait until `answer()`: a hung server, a full pool. Projections
 * list nothing. No relay in the module graph.
 */
function stateOnSlowDatabase() {
  const waiting: (() => void)[] = [];
  const metrics = new LedgerlineMetrics();
  const state = new StateMetrics(
    metrics,
    {
      driver: {},
      query: () => new Promise((resolve) => waiting.push(() => resolve(ROWS))),
    } as unknown as DataSource,
    {
      list: () => new Promise((resolve) => waiting.push(() => resolve([]))),
    } as unknown as ProjectionsService,
    {
      get: () => {
        throw new Error('no relay in this graph');
      },
    } as unknown as ModuleRef,
  );
  const errors = async (): Promise<Map<string, number>> => {
    const { values } = await metrics.scrapeErrors.get();
    return new Map(values.map(({ labels, value }) => [String(labels.source), value]));
  };
  const outboxPending = async (): Promise<number[]> =>
    (await metrics.outboxPending.get()).values.map(({ value }) => value);
  return {
    state,
    errors,
    outboxPending,
    answer: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

/** A refresh that the database does not answer in time. */
async function timedOut(state: StateMetrics): Promise<void> {
  const refresh = state.refresh();
  await jest.advanceTimersByTimeAsync(SCRAPE_SOURCE_TIMEOUT_MS);
  await refresh;
}

const each = (count: number): Map<string, number> =>
  new Map(SCRAPE_SOURCES.map((source) => [source, count]));

describe('StateMetrics against a database that does not answer in time', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('gives up on each source after the timeout and leaves its series out', async () => {
    const { state, errors, outboxPending } = stateOnSlowDatabase();
    await timedOut(state);
    expect(await errors()).toEqual(each(1));
    expect(await outboxPending()).toEqual([]);
  });

  it('reads no source twice at once: the next scrape counts the hung reads as errors at once', async () => {
    const { state, errors } = stateOnSlowDatabase();
    await timedOut(state);
    await state.refresh();
    expect(await errors()).toEqual(each(2));
  });

  it('drops an answer that came too late, and reads afresh at the next scrape', async () => {
    const { state, errors, outboxPending, answer } = stateOnSlowDatabase();
    await timedOut(state);
    answer();
    await jest.advanceTimersByTimeAsync(0);
    expect(await outboxPending()).toEqual([]);

    const refresh = state.refresh();
    await jest.advanceTimersByTimeAsync(0);
    answer();
    await refresh;
    expect(await outboxPending()).toEqual([3]);
    expect(await errors()).toEqual(each(1));
  });
});
