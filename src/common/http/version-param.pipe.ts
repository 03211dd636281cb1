import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiError } from '../errors/api-error';

const MAX_VERSION = 2_147_483_647;

/**
 * A stream version in the path (1 to 2^31 - 1); anything else is a 400 before any lookup.
 * The global pipe may already have made a number of the text (the parameter is declared a
 * number), so both arrive here.
 */
@Injectable()
export class VersionParamPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const version =
      typeof value === 'number' ? value : /^\d{1,10}$/.test(String(value)) ? Number(value) : NaN;
    if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
      throw new ApiError('VALIDATION_FAILED', 'the version in the path must be a stream version', {
        errors: [{ field: 'version', messages: ['version must be an integer from 1'] }],
      });
    }
    return version;
  }
}
