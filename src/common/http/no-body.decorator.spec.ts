import { ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { ApiError } from '../errors/api-error';
import { NoBody, NoBodyGuard } from './no-body.decorator';

const contextWith = (body: unknown): ExecutionContext =>
  ({
    switchToHttp: () => ({ getRequest: () => ({ body }) }),
  }) as unknown as ExecutionContext;

const refusal = (body: unknown): ApiError => {
  try {
    new NoBodyGuard().canActivate(contextWith(body));
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the guard let the body through');
};

describe('NoBodyGuard', () => {
  it.each([[undefined], [{}]])('lets %p through', (body) => {
    expect(new NoBodyGuard().canActivate(contextWith(body))).toBe(true);
  });

  it('refuses an object with fields, naming each', () => {
    const error = refusal({ reason: 'fraud', force: true });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.extensions).toEqual({
      errors: [
        { field: 'reason', messages: ['property reason should not exist'] },
        { field: 'force', messages: ['property force should not exist'] },
      ],
    });
  });

  it.each([[[]], [[1]], ['text'], [0], [null]])('refuses the body %p', (body) => {
    expect(refusal(body).code).toBe('VALIDATION_FAILED');
  });
});

describe('@NoBody()', () => {
  it('puts NoBodyGuard on the route', () => {
    class Controller {
      @NoBody()
      close(): void {}
    }
    const guards: unknown = Reflect.getMetadata(GUARDS_METADATA, Controller.prototype.close);
    expect(guards).toEqual([NoBodyGuard]);
  });
});
