import { ApiError } from '../errors/api-error';
import { parseIfMatch, versionTag } from './if-match';

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseIfMatch', () => {
  it.each([undefined, '*', ' * '])('reads %p as "any version"', (header) => {
    expect(parseIfMatch(header)).toBeUndefined();
  });

  it.each([
    ['"3"', 3],
    [' "3" ', 3],
    ['"0"', 0],
    ['"2147483647"', 2_147_483_647],
  ])('reads %p as version %p', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it('reads back what versionTag writes', () => {
    expect(parseIfMatch(versionTag(17))).toBe(17);
  });

  it.each([
    '3',
    'W/"3"',
    '"a"',
    '"1","2"',
    '"1", "2"',
    '"99999999999"',
    '"2147483648"',
    '"-1"',
    '"1.5"',
    '""',
    '',
    '"3',
  ])('rejects %p with INVALID_IF_MATCH', (header) => {
    const error = thrownBy(() => parseIfMatch(header));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toHaveProperty('code', 'INVALID_IF_MATCH');
  });
});
