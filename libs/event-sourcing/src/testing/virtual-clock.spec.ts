import { VIRTUAL_CLOCK_START, VirtualClock } from './virtual-clock';

describe('a virtual clock', () => {
  it('starts at a fixed instant, never the real time, and stays there until moved', () => {
    const clock = new VirtualClock();
    expect(clock.now().toISOString()).toBe(VIRTUAL_CLOCK_START);
    expect(clock.now()).toEqual(clock.now());
  });

  it.each([
    ['+1500ms', '2025-01-01T00:00:01.500Z'],
    ['+30s', '2025-01-01T00:00:30.000Z'],
    ['+2m', '2025-01-01T00:02:00.000Z'],
    ['+1h', '2025-01-01T01:00:00.000Z'],
    ['+7d', '2025-01-08T00:00:00.000Z'],
    ['-5s', '2024-12-31T23:59:55.000Z'],
    ['+0.5s', '2025-01-01T00:00:00.500Z'],
    ['2026-03-01T12:00:00Z', '2026-03-01T12:00:00.000Z'],
  ])('reads %s as %s: offsets count from its start', (instant, iso) => {
    const clock = new VirtualClock();
    clock.moveTo('+3h');
    expect(clock.resolve(instant).toISOString()).toBe(iso);
  });

  it('moves forward, or stays, when told; never back', () => {
    const clock = new VirtualClock('2030-01-01T00:00:00.000Z');
    expect(clock.moveTo('+1m').toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect(clock.moveTo(new Date('2030-01-01T00:01:00.000Z')).toISOString()).toBe(
      '2030-01-01T00:01:00.000Z',
    );
    expect(() => clock.moveTo('+59s')).toThrow(RangeError);
    expect(clock.now().toISOString()).toBe('2030-01-01T00:01:00.000Z');
  });

  it('refuses what is not an instant', () => {
    expect(() => new VirtualClock('+30s')).toThrow(RangeError);
    expect(() => new VirtualClock().resolve('30s later')).toThrow(RangeError);
    expect(() => new VirtualClock().resolve('+30 s')).toThrow(RangeError);
  });

  it('hands out copies: changing one does not move the clock', () => {
    const clock = new VirtualClock();
    clock.now().setFullYear(1999);
    expect(clock.now().toISOString()).toBe(VIRTUAL_CLOCK_START);
  });
});
