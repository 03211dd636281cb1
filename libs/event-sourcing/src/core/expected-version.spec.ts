import {
  assertValidExpectedVersion,
  ExpectedVersion,
  satisfiesExpectedVersion,
} from './expected-version';

describe('satisfiesExpectedVersion', () => {
  it.each<[ExpectedVersion, number, boolean]>([
    ['any', 0, true],
    ['any', 7, true],
    ['no_stream', 0, true],
    ['no_stream', 1, false],
    ['stream_exists', 0, false],
    ['stream_exists', 1, true],
    ['stream_exists', 42, true],
    [0, 0, true],
    [0, 1, false],
    [3, 3, true],
    [3, 2, false],
    [3, 4, false],
  ])('expected %p, actual %p -> %p', (expected, actual, satisfied) => {
    expect(satisfiesExpectedVersion(expected, actual)).toBe(satisfied);
  });
});

describe('assertValidExpectedVersion', () => {
  it.each<ExpectedVersion>([0, 1, 2_147_483_647, 'any', 'no_stream', 'stream_exists'])(
    'accepts %p',
    (expected) => {
      expect(() => assertValidExpectedVersion(expected)).not.toThrow();
    },
  );

  it.each([-1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])('rejects %p', (expected) => {
    expect(() => assertValidExpectedVersion(expected)).toThrow(RangeError);
  });
});
