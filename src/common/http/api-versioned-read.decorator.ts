import { applyDecorators, Type } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';

const ETAG = {
  description: 'The stream version as a strong entity tag, e.g. "3": send it in If-Match',
  required: true,
  schema: { type: 'string', pattern: '^"[0-9]+"$', example: '"3"' },
};

/**
 * Documents a read whose ETag is the stream version. Express answers 304 by itself when
 * If-None-Match names the ETag the response would carry (res.send compares them), so a
 * client that polls re-reads nothing unless the resource changed.
 */
export function ApiVersionedRead(type: Type<unknown>, description: string): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'An ETag you hold, e.g. "3": while it is current the answer is 304, no body',
    }),
    ApiResponse({ status: 200, type, description, headers: { ETag: ETAG } }),
    ApiResponse({
      status: 304,
      description: 'Not Modified: the ETag sent in If-None-Match is still the current version',
      headers: { ETag: ETAG },
    }),
  );
}
