import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsPositive, IsUUID, Max, Min } from 'class-validator';
import { ApiError, FieldError } from '../errors/api-error';
import { createValidationPipe } from './validation.pipe';

/** As the money bodies declare their amount. */
class MoneyMovementRequestDto {
  @IsInt()
  @IsPositive()
  @Max(100_000_000_000)
  amount!: number;
}

/** As the list queries declare a required id and a paging limit. */
class ListTransfersRequestDto {
  @IsUUID()
  accountId!: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

const pipe = createValidationPipe();

/** The fields and messages of the VALIDATION_FAILED problem the pipe raises for `value`. */
async function fieldErrors(value: unknown, metadata: ArgumentMetadata): Promise<FieldError[]> {
  try {
    await pipe.transform(value, metadata);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'VALIDATION_FAILED')
      return error.extensions.errors as FieldError[];
    throw error;
  }
  throw new Error('the pipe accepted the value');
}

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'body',
  metatype,
});

describe('validation messages name the real problem', () => {
  it.each([['10'], [true], [null], [[10]], [{ value: 10 }]])(
    'an amount of %p is one message: it must be an integer',
    async (amount) => {
      expect(await fieldErrors({ amount }, body(MoneyMovementRequestDto))).toEqual([
        { field: 'amount', messages: ['amount must be an integer'] },
      ]);
    },
  );

  it('a missing required field says it is required, and only that', async () => {
    expect(await fieldErrors({}, body(MoneyMovementRequestDto))).toEqual([
      { field: 'amount', messages: ['amount is required'] },
    ]);
    expect(await fieldErrors({}, { type: 'query', metatype: ListTransfersRequestDto })).toEqual([
      { field: 'accountId', messages: ['accountId is required'] },
    ]);
  });

  it('an integer out of range keeps the range message', async () => {
    expect(await fieldErrors({ amount: 0 }, body(MoneyMovementRequestDto))).toEqual([
      { field: 'amount', messages: ['amount must be a positive number'] },
    ]);
  });

  it('a query integer that is not a number is one message', async () => {
    expect(
      await fieldErrors(
        { accountId: '5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21', limit: 'abc' },
        { type: 'query', metatype: ListTransfersRequestDto },
      ),
    ).toEqual([{ field: 'limit', messages: ['limit must be an integer'] }]);
  });

  it('an unknown field is still refused by name', async () => {
    expect(await fieldErrors({ amount: 1, balance: 5 }, body(MoneyMovementRequestDto))).toEqual([
      { field: 'balance', messages: ['property balance should not exist'] },
    ]);
  });
});
