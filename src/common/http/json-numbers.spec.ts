import { findInexactNumber } from './json-numbers';

describe('findInexactNumber', () => {
  it.each([
    '{}',
    '[]',
    '{"amount":100}',
    '{"amount":-5,"limit":0,"x":-0}',
    '{"amount":9007199254740991,"min":-9007199254740991}',
    '{"a":[1,2,[3,{"b":4}]],"c":true,"d":false,"e":null}',
    ' { "amount" : 1 , "reference" : "x" } ',
  ])('accepts %s', (json) => {
    expect(findInexactNumber(json)).toBeUndefined();
  });

  it.each([
    ['{"amount":100.000000000000001}', 'amount', '100.000000000000001'],
    ['{"amount":100.0}', 'amount', '100.0'],
    ['{"amount":1e2}', 'amount', '1e2'],
    ['{"amount":1E+2}', 'amount', '1E+2'],
    ['{"amount":-2.5e-3}', 'amount', '-2.5e-3'],
    ['{"amount":0.5}', 'amount', '0.5'],
  ])('refuses the fraction or exponent in %s', (json, field, text) => {
    expect(findInexactNumber(json)).toEqual({ field, text, reason: 'fraction' });
  });

  it.each([
    ['{"amount":9007199254740992}', '9007199254740992'],
    ['{"amount":9007199254740993}', '9007199254740993'],
    ['{"amount":-9007199254740992}', '-9007199254740992'],
    ['{"amount":100000000000000000000000}', '100000000000000000000000'],
  ])('refuses the integer beyond 2^53 - 1 in %s', (json, text) => {
    expect(findInexactNumber(json)).toEqual({ field: 'amount', text, reason: 'unsafe' });
  });

  it('names the path of a nested number', () => {
    expect(findInexactNumber('{"a":1,"items":[{"x":1},{"x":2,"amount":1.5}]}')).toMatchObject({
      field: 'items.1.amount',
    });
    expect(findInexactNumber('[1,2,[3,4.5]]')).toMatchObject({ field: '2.1' });
  });

  it('ignores numbers inside strings, escaped quotes and backslashes included', () => {
    expect(findInexactNumber('{"reference":"1.5","amount":1}')).toBeUndefined();
    expect(findInexactNumber('{"reference":"say \\"2.5\\" 1e9","amount":1}')).toBeUndefined();
    expect(
      findInexactNumber('{"reference":"ends in a backslash \\\\","amount":1}'),
    ).toBeUndefined();
    expect(findInexactNumber('{"reference":"\\\\\\"3.5","amount":1}')).toBeUndefined();
    expect(findInexactNumber('{"r":"\\\\","amount":2.5}')).toMatchObject({ field: 'amount' });
  });

  it('decodes escaped keys and does not mistake a string value for a key', () => {
    expect(findInexactNumber('{"am\\u006funt":1.5}')).toMatchObject({ field: 'amount' });
    expect(findInexactNumber('{"a":"b","c":1.5}')).toMatchObject({ field: 'c' });
  });

  it('shortens a long token', () => {
    const found = findInexactNumber(`{"amount":1.${'0'.repeat(100)}1}`);
    expect(found?.text).toBe(`1.${'0'.repeat(30)}…`);
  });

  it('scans deep nesting without recursion', () => {
    const deep = '['.repeat(100_000) + '1.5' + ']'.repeat(100_000);
    expect(findInexactNumber(deep)?.reason).toBe('fraction');
  });
});
