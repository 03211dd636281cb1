import { RawBodyRequest } from '@nestjs/common';
import { Request, Response } from 'express';
import { ApiError } from '../errors/api-error';
import { rejectInexactNumbers } from './exact-numbers.middleware';

/** What the middleware hands to next: undefined to go on, or the error to answer with. */
function run(rawBody: Buffer | undefined, contentType = 'application/json'): unknown {
  const request = {
    rawBody,
    header: (name: string) => (name.toLowerCase() === 'content-type' ? contentType : undefined),
  } as unknown as RawBodyRequest<Request>;
  let passed: unknown = 'next was not called';
  rejectInexactNumbers(request, {} as Response, (error?: unknown) => {
    passed = error;
  });
  return passed;
}

describe('rejectInexactNumbers', () => {
  it('lets a request without a JSON body through', () => {
    expect(run(undefined)).toBeUndefined();
  });

  it('lets integers through, and number-like text in strings', () => {
    expect(run(Buffer.from('{"amount":100,"reference":"1.5e3"}'))).toBeUndefined();
    expect(run(Buffer.from('{"amount":1}'), 'application/json; charset="UTF-8"')).toBeUndefined();
  });

  it('refuses a fraction with VALIDATION_FAILED naming the field and the number', () => {
    const error = run(Buffer.from('{"amount":100.000000000000001}'));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      extensions: {
        errors: [
          {
            field: 'amount',
            messages: [expect.stringContaining('100.000000000000001') as unknown],
          },
        ],
      },
    });
  });

  it('refuses an integer beyond 2^53 - 1', () => {
    expect(run(Buffer.from('{"amount":9007199254740993}'))).toMatchObject({
      code: 'VALIDATION_FAILED',
      extensions: { errors: [{ field: 'amount' }] },
    });
  });

  it('refuses a body in another encoding than UTF-8: it cannot be scanned', () => {
    const body = Buffer.from('{"amount":1.5e1}', 'utf16le');
    expect(run(body, 'application/json; charset=utf-16le')).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });
});
