import { Injectable, PipeTransform } from '@nestjs/common';
import { validate as isUuid } from 'uuid';
import { ApiError } from '../errors/api-error';

/** Path ids are UUIDs; anything else is a 400 INVALID_ID before any lookup. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new ApiError('INVALID_ID', 'the id in the path must be a UUID');
    return value.toLowerCase();
  }
}
