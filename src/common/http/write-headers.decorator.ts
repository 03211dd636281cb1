import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/** Documents the headers every write accepts. */
export function ApiWriteHeaders(options: { ifMatch: boolean }): MethodDecorator {
  const headers = [
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        '1-255 visible ASCII characters. The same key with the same request replays the first response for 24 h; with a different request it is 422 IDEMPOTENCY_KEY_REUSED.',
    }),
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: "Carried into the events' metadata",
    }),
  ];
  if (options.ifMatch) {
    headers.push(
      ApiHeader({
        name: 'If-Match',
        required: false,
        description:
          'The ETag (stream version) you last read, e.g. "3"; a mismatch is 409 VERSION_CONFLICT',
      }),
    );
  }
  return applyDecorators(...headers);
}
