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
