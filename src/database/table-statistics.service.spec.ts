import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVER_ANALYZES_SQL, STALE_TABLES_SQL } from '@ledgerline/event-sourcing/postgres';
import { TableStatisticsService } from './table-statistics.service';
import { DatabaseSettings, TableStatisticsSettings } from './database-settings';

const INTERVAL_MS = 10_000;

/** A DataSource that answers the service's statements, and records them. */
function fakeDataSource(answers: {
  autovacuum?: boolean | Error;
  stale?: string[];
  analyze?: (table: string) => Promise<void>;
}) {
  const statements: string[] = [];
  const query = jest.fn(async (sql: string): Promise<unknown> => {
    statements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
    if (sql === SERVER_ANALYZES_SQL) {
      if (answers.autovacuum instanceof Error) throw answers.autovacuum;
      return [{ analyzes: answers.autovacuum ?? false }];
    }
    if (sql === STALE_TABLES_SQL) return (answers.stale ?? []).map((name) => ({ name }));
    const analysed = /^ANALYZE \(SKIP_LOCKED\) (.+)$/.exec(sql);
    if (analysed) return (answers.analyze ?? (() => Promise.resolve()))(analysed[1]);
    throw new Error(`unexpected statement: ${sql}`);
  });
  return { dataSource: { query } as unknown as DataSource, statements };
}

const settings = (
  tableStatistics?: TableStatisticsSettings,
  embedded = false,
): DatabaseSettings => ({
  url: 'postgres://unused',
  schema: 'public',
  poolSize: 1,
  embedded,
  tableStatistics,
});

const started: TableStatisticsService[] = [];
async function start(dataSource: DataSource, database: DatabaseSettings) {
  const service = new TableStatisticsService(dataSource, database);
  started.push(service);
  await service.onApplicationBootstrap();
  return service;
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(async () => {
  for (const service of started.splice(0)) await service.onModuleDestroy();
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('TableStatisticsService', () => {
  it('never queries anything on the embedded database, without settings, or when off', async () => {
    for (const database of [
      settings({ mode: 'on', intervalMs: INTERVAL_MS }, true),
      settings(undefined),
      settings({ mode: 'off', intervalMs: INTERVAL_MS }),
    ]) {
      const { dataSource, statements } = fakeDataSource({ stale: ['public.t'] });
      await start(dataSource, database);
      await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
      expect(statements).toEqual([]);
    }
  });

  it('leaves the statistics to a server whose autovacuum is on, in auto mode', async () => {
    const { dataSource, statements } = fakeDataSource({ autovacuum: true, stale: ['public.t'] });
    await start(dataSource, settings({ mode: 'auto', intervalMs: INTERVAL_MS }));
    await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(statements).toEqual(["SELECT current_setting('autovacuum') ="]);
  });

  it('analyses the stale tables every interval where autovacuum is off or unknown, or when on', async () => {
    for (const [mode, autovacuum] of [
      ['auto', false],
      ['auto', new Error('permission denied')],
      ['on', true],
    ] as const) {
      const { dataSource, statements } = fakeDataSource({
        autovacuum,
        stale: ['public.a', 'public.b'],
      });
      await start(dataSource, settings({ mode, intervalMs: INTERVAL_MS }));
      const rounds = () => statements.filter((sql) => sql.startsWith('SELECT format(')).length;
      await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
      expect(rounds()).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(rounds()).toBe(1);
      expect(statements.filter((sql) => sql.startsWith('ANALYZE'))).toEqual([
        'ANALYZE (SKIP_LOCKED) public.a',
        'ANALYZE (SKIP_LOCKED) public.b',
      ]);
      await jest.advanceTimersByTimeAsync(2 * INTERVAL_MS);
      expect(rounds()).toBe(3);
    }
  });

  it('analyses the other tables when one fails, and reports it', async () => {
    const { dataSource } = fakeDataSource({
      stale: ['public.gone', 'public.kept'],
      analyze: (table) =>
        table === 'public.gone'
          ? Promise.reject(new Error('relation "public.gone" does not exist'))
          : Promise.resolve(),
    });
    const service = await start(dataSource, settings({ mode: 'off', intervalMs: INTERVAL_MS }));
    expect(await service.analyzeStale()).toEqual(['public.kept']);
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      expect.stringContaining('analysing public.gone failed'),
    );
  });

  it('waits for a round under way when the app stops, and starts none after it', async () => {
    let finish!: () => void;
    const { dataSource, statements } = fakeDataSource({
      stale: ['public.slow'],
      analyze: () => new Promise<void>((resolve) => (finish = resolve)),
    });
    const service = await start(dataSource, settings({ mode: 'on', intervalMs: INTERVAL_MS }));
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(statements).toContain('ANALYZE (SKIP_LOCKED) public.slow');

    let stopped = false;
    const stopping = service.onModuleDestroy().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    const before = statements.length;
    await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(statements).toHaveLength(before);
  });
});
