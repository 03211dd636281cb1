import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ERROR_CATALOGUE, ErrorCode, isErrorCode } from '../errors/error-catalogue';
import { problemExample } from '../errors/problem-examples';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem-details';
import { ProblemDetailsDto, PROBLEMS_EXTENSION } from '../http/api-problems.decorator';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Operation['responses'];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Every operation may fail unexpectedly, and refuses a query string with a reserved name
 * (`?constructor=`, `?toString=`: rejectPrototypeKeys runs before any route).
 */
const EVERY_OPERATION: readonly ErrorCode[] = ['VALIDATION_FAILED', 'INTERNAL_ERROR'];

/**
 * Every write (POST and PUT) passes the body middleware (require-json, the body parser and its size limit)
 * before any route code: a body that is not JSON, not valid JSON or too large is refused
 * there, on routes that take no body too.
 */
const EVERY_WRITE: readonly ErrorCode[] = [
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
];

/** Path parameters of the examples' `instance`, by the collection they stand in. */
const EXAMPLE_PARAMS: Readonly<Record<string, string>> = {
  accounts: '5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21',
  customers: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
  transfers: '7a2d3e4f-5b6c-4d7e-8f90-1a2b3c4d5e6f',
  'process-commands': '8b3e4f5a-6c7d-4e8f-9a01-2b3c4d5e6f70',
  'dead-letters': '42',
  projections: 'account-summaries',
  events: '2',
};

/** The path as a request would have it: `/accounts/{id}` -> `/accounts/5f0c…`. */
function examplePath(path: string): string {
  const segments = path.split('/');
  return segments
    .map((segment, index) =>
      /^\{\w+\}$/.test(segment) ? (EXAMPLE_PARAMS[segments[index - 1]] ?? '1') : segment,
    )
    .join('/');
}

const retryAfterOf = (code: ErrorCode): boolean =>
  'retryAfterSeconds' in ERROR_CATALOGUE[code] || code === 'RATE_LIMITED';

/** One response per status, with one example per code, each a complete problem document. */
function problemResponses(
  codes: readonly ErrorCode[],
  instance: string,
  allowedRoles: readonly string[] | undefined,
): Responses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERROR_CATALOGUE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Responses = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const describe = (code: ErrorCode): string =>
      code === 'FORBIDDEN' && allowedRoles
        ? `${code}: ${ERROR_CATALOGUE[code].title} (allowed roles: ${allowedRoles.join(', ')})`
        : `${code}: ${ERROR_CATALOGUE[code].title}`;
    responses[String(status)] = {
      description: list.map(describe).join('; '),
      ...(list.some(retryAfterOf)
        ? {
            headers: {
              'Retry-After': {
                description: 'Seconds to wait before retrying (some codes only, see each)',
                schema: { type: 'integer', minimum: 1, example: 1 },
              },
            },
          }
        : {}),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: { $ref: getSchemaPath(ProblemDetailsDto) },
          examples: Object.fromEntries(
            list.map((code) => {
              const value = problemExample(code, instance);
              if (code === 'FORBIDDEN' && allowedRoles)
                value.detail = `this route needs one of the roles ${allowedRoles.join(', ')}`;
              return [code, { summary: ERROR_CATALOGUE[code].title, value }];
            }),
          ),
        },
      },
    };
  }
  return responses;
}

/** Whether the operation takes an Idempotency-Key (a write). */
const takesIdempotencyKey = (operation: Operation): boolean =>
  (operation.parameters ?? []).some(
    (parameter) => 'name' in parameter && parameter.name === 'Idempotency-Key',
  );

/**
 * Completes what the decorators declare: the error responses from the codes each operation
 * listed (see ApiProblems), plus those every operation or every write can answer, and the
 * Idempotent-Replayed header on the successes of writes.
 */
export function completeOperations(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // Extensions (x-…) are not in Nest's OperationObject type.
      const extensions = operation as unknown as Record<string, unknown>;
      const declared = extensions[PROBLEMS_EXTENSION];
      delete extensions[PROBLEMS_EXTENSION];
      const codes = new Set<ErrorCode>([
        ...(Array.isArray(declared) ? declared.filter(isErrorCode) : []),
        ...EVERY_OPERATION,
        ...(method === 'post' || method === 'put' ? EVERY_WRITE : []),
      ]);
      const roles = extensions['x-allowed-roles'];
      Object.assign(
        operation.responses,
        problemResponses(
          [...codes],
          examplePath(path),
          Array.isArray(roles) ? roles.map(String) : undefined,
        ),
      );
      if (takesIdempotencyKey(operation)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!status.startsWith('2') || !response || '$ref' in response) continue;
          response.headers = {
            ...response.headers,
            'Idempotent-Replayed': {
              description:
                'true on a replay of the first response to the same Idempotency-Key (same status, body bytes and Location)',
              schema: { type: 'string', enum: ['true'] },
            },
          };
        }
      }
    }
  }
  return document;
}

/** The OpenAPI document of the app, served at /docs-json. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Ledgerline')
      .setDescription(
        'Event-sourced banking core. Money is integer minor units; errors are RFC 9457 problem+json with a stable code. Lists answer {items, nextCursor}: pass nextCursor as cursor for the next page.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An OIDC access token. With the local development issuer: npm run --silent token -- --role teller',
      })
      .build(),
    {
      // Operations name their operationId (a verb: getAccount, depositMoney); the method name
      // is only the fallback, so a controller that forgets reads plainly in clients too.
      operationIdFactory: (_controllerKey, methodKey) => methodKey,
    },
  );
  return completeOperations(document);
}
