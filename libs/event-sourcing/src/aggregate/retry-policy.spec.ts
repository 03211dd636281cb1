import { backoffDelayMs, DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';

const lowest = (): number => 0;
const highest = (): number => 0.9999999999;

describe('backoffDelayMs', () => {
  const policy: RetryPolicy = { maxAttempts: 12, baseDelayMs: 5, maxDelayMs: 250 };

  it.each([
    [0, 5],
    [1, 10],
    [2, 20],
    [5, 160],
    [6, 250],
    [12, 250],
    [40, 250],
  ])('after attempt %i stays below a ceiling of %i ms', (attempt, ceiling) => {
    expect(backoffDelayMs(policy, attempt, lowest)).toBe(0);
    expect(backoffDelayMs(policy, attempt, highest)).toBe(ceiling - 1);
  });

  it('stays in [0, min(max, base * 2^attempt)) for every attempt and random value', () => {
    const randoms = [0, 0.1, 0.5, 0.75, 0.9999999999];
    for (let attempt = 0; attempt <= 20; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      for (const r of randoms) {
        const delay = backoffDelayMs(policy, attempt, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('spreads delays with the random value (full jitter)', () => {
    expect(backoffDelayMs(policy, 6, () => 0.5)).toBe(125);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(20);
  });

  it('uses Math.random by default and stays in range', () => {
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelayMs(DEFAULT_RETRY_POLICY, 3);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** 3);
    }
  });

  it('never waits when the ceiling is zero', () => {
    const noWait: RetryPolicy = { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 };
    expect(backoffDelayMs(noWait, 1, highest)).toBe(0);
  });
});

describe('DEFAULT_RETRY_POLICY', () => {
  it('has the documented defaults and cannot be changed', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 20, baseDelayMs: 5, maxDelayMs: 250 });
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
  });
});
