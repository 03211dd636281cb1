import { loadAppConfig } from './app-config';

describe('loadAppConfig: DATABASE_APPEND_ROUND_TRIPS', () => {
  it('is 2 by default, and 2 or 4 when set', () => {
    expect(loadAppConfig({}).databaseAppendRoundTrips).toBe(2);
    expect(loadAppConfig({ DATABASE_APPEND_ROUND_TRIPS: '4' }).databaseAppendRoundTrips).toBe(4);
    expect(loadAppConfig({ DATABASE_APPEND_ROUND_TRIPS: ' 2 ' }).databaseAppendRoundTrips).toBe(2);
  });

  it('refuses anything else, naming the setting', () => {
    for (const raw of ['3', 'four', '0'])
      expect(() => loadAppConfig({ DATABASE_APPEND_ROUND_TRIPS: raw })).toThrow(
        `DATABASE_APPEND_ROUND_TRIPS must be 2 or 4, got "${raw}"`,
      );
  });
});

describe('loadAppConfig: DATABASE_ANALYZE and DATABASE_ANALYZE_INTERVAL_MS', () => {
  it('keeps statistics where autovacuum is off, every 10 s, by default', () => {
    expect(loadAppConfig({}).databaseTableStatistics).toEqual({ mode: 'auto', intervalMs: 10_000 });
    expect(
      loadAppConfig({ DATABASE_ANALYZE: 'off', DATABASE_ANALYZE_INTERVAL_MS: '60000' })
        .databaseTableStatistics,
    ).toEqual({ mode: 'off', intervalMs: 60_000 });
    expect(loadAppConfig({ DATABASE_ANALYZE: ' on ' }).databaseTableStatistics.mode).toBe('on');
  });

  it('refuses anything else, naming the setting', () => {
    for (const raw of ['yes', 'AUTO', '1'])
      expect(() => loadAppConfig({ DATABASE_ANALYZE: raw })).toThrow(
        `DATABASE_ANALYZE must be auto, on or off, got "${raw}"`,
      );
    expect(() => loadAppConfig({ DATABASE_ANALYZE_INTERVAL_MS: '500' })).toThrow(
      'DATABASE_ANALYZE_INTERVAL_MS must be an integer from 1000 to 3600000, got "500"',
    );
  });
});
