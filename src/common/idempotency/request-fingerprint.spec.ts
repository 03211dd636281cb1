import { requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  const url = '/accounts/acc-1/deposits';
  const body = { amount: 100, reference: 'salary', meta: { a: 1, b: [1, 2] } };

  it('is a stable sha-256 hex digest', () => {
    const fingerprint = requestFingerprint('POST', url, body);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint('POST', url, body)).toBe(fingerprint);
  });

  it('does not depend on key order, at any depth', () => {
    const reordered = { meta: { b: [1, 2], a: 1 }, reference: 'salary', amount: 100 };
    expect(requestFingerprint('POST', url, reordered)).toBe(requestFingerprint('POST', url, body));
  });

  it.each<[string, unknown]>([
    ['another amount', { ...body, amount: 101 }],
    ['another nested value', { ...body, meta: { a: 2, b: [1, 2] } }],
    ['another array order', { ...body, meta: { a: 1, b: [2, 1] } }],
    ['a missing key', { amount: 100, reference: 'salary' }],
    ['an extra key', { ...body, extra: true }],
    ['a value of another type', { ...body, amount: '100' }],
    ['a null value', { ...body, reference: null }],
    ['no body', undefined],
  ])('changes with %s', (_label, otherBody) => {
    expect(requestFingerprint('POST', url, otherBody)).not.toBe(
      requestFingerprint('POST', url, body),
    );
  });

  it('changes with the path', () => {
    expect(requestFingerprint('POST', '/accounts/acc-2/deposits', body)).not.toBe(
      requestFingerprint('POST', url, body),
    );
  });

  it('changes with the query string', () => {
    expect(requestFingerprint('POST', `${url}?dryRun=true`, body)).not.toBe(
      requestFingerprint('POST', url, body),
    );
  });

  it('changes with the method', () => {
    expect(requestFingerprint('PUT', url, body)).not.toBe(requestFingerprint('POST', url, body));
  });

  it('treats a missing body and a null body alike', () => {
    expect(requestFingerprint('POST', url, undefined)).toBe(requestFingerprint('POST', url, null));
  });
});
