import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { OpenAPIObject } from '@nestjs/swagger';
import OpenAPIResponseValidator, { OpenAPIResponseValidatorArgs } from 'openapi-response-validator';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Components = NonNullable<OpenAPIObject['components']>;

interface DocumentedResponse {
  description?: string;
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { schema?: object }>;
}

interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly operation: Operation;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** `/accounts/{id}/events` -> /^\/accounts\/[^/]+\/events$/ */
const patternOf = (template: string): RegExp =>
  new RegExp(
    `^${template
      .split('/')
      .map((segment) =>
        /^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/')}$`,
  );

/**
 * Checks every response an e2e test app sends against the OpenAPI document it publishes:
 * the status is documented for the operation, the content type is one documented for that
 * status, the body validates against its schema (openapi-response-validator), and the
 * required response headers (Location, ETag) are there. Requests that are no API operation
 * (the docs, the ops console, unknown routes) are not checked.
 *
 * It listens on the HTTP server ahead of Express, so it sees every answer, those of the
 * middleware that refuse a request before any route (415, 413, 400 MALFORMED_JSON) too.
 */
export class ResponseConformance {
  private readonly mismatches: string[] = [];
  private readonly validators = new Map<string, OpenAPIResponseValidator>();
  private routes: readonly Route[] = [];
  private components: Components = {};

  /** Starts capturing; answers are checked once `use` has the document. */
  attach(server: Server): void {
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) =>
      this.capture(request, response),
    );
  }

  use(document: OpenAPIObject): void {
    this.components = document.components ?? {};
    this.routes = Object.entries(document.paths)
      .flatMap(([template, item]) =>
        METHODS.flatMap((method) => {
          const operation = item[method];
          return operation ? [{ method, template, pattern: patternOf(template), operation }] : [];
        }),
      )
      // Literal segments win over parameters (/admin/projections before /{name}).
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  /** @throws listing every response that did not match the document */
  assertConforming(): void {
    if (this.mismatches.length === 0) return;
    throw new Error(
      `${this.mismatches.length} response(s) did not match the OpenAPI document:\n` +
        this.mismatches.join('\n'),
    );
  }

  private capture(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    const collect = (chunk: unknown, encoding: unknown): void => {
      if (typeof chunk === 'string')
        chunks.push(
          Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
        );
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = response.write.bind(response);
    const end = response.end.bind(response);
    response.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      collect(chunk, encoding);
      return (write as (...args: unknown[]) => boolean)(chunk, encoding, callback);
    }) as typeof response.write;
    response.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
      collect(chunk, encoding);
      return (end as (...args: unknown[]) => ServerResponse)(chunk, encoding, callback);
    }) as typeof response.end;
    response.once('finish', () => {
      const testName = expect.getState().currentTestName ?? '(outside a test)';
      const mismatch = this.check(request, response, Buffer.concat(chunks));
      if (mismatch) this.mismatches.push(`- ${mismatch}\n  in: ${testName}`);
    });
  }

  /** @returns what does not match, or undefined */
  private check(
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
  ): string | undefined {
    const method = (request.method ?? '').toLowerCase();
    const path = (request.url ?? '').split('?')[0];
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    if (!route) return undefined;
    const status = response.statusCode;
    const where = `${method.toUpperCase()} ${path} (${route.operation.operationId}) answered ${status}`;
    const responses = route.operation.responses as Record<string, DocumentedResponse | undefined>;
    const documented = responses[String(status)] ?? responses.default;
    if (!documented)
      return `${where}: status not documented (${Object.keys(responses).join(', ')})`;
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if (header.required && response.getHeader(name) === undefined)
        return `${where}: required header ${name} missing`;
    }
    if (body.length === 0) return undefined;
    const mediaType = String(response.getHeader('content-type') ?? '')
      .split(';')[0]
      .trim();
    const content = documented.content ?? {};
    // A documented type may carry parameters (text/plain; version=0.0.4): compare the types.
    const documentedType = Object.keys(content).find(
      (type) => type.split(';')[0].trim() === mediaType,
    );
    if (documentedType === undefined) {
      return `${where}: content type ${mediaType} not documented (${Object.keys(content).join(', ') || 'no body'})`;
    }
    const schema = content[documentedType].schema;
    if (!schema || !mediaType.endsWith('json')) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return `${where}: the ${mediaType} body is not JSON`;
    }
    const errors = this.validator(route, status, mediaType, schema).validateResponse(
      status,
      parsed,
    );
    if (!errors) return undefined;
    return `${where}: ${errors.message} ${JSON.stringify(errors.errors)}\n  body: ${body
      .toString('utf8')
      .slice(0, 400)}`;
  }

  private validator(
    route: Route,
    status: number,
    mediaType: string,
    schema: object,
  ): OpenAPIResponseValidator {
    const key = `${route.method} ${route.template} ${status} ${mediaType}`;
    let validator = this.validators.get(key);
    if (!validator) {
      validator = new OpenAPIResponseValidator({
        // One status and one media type at a time: the schema of the answer's media type.
        responses: { [status]: { schema } },
        // Nest's and openapi-types' declarations of the same OpenAPI 3.0 objects.
        components: this.components as unknown as OpenAPIResponseValidatorArgs['components'],
      });
      this.validators.set(key, validator);
    }
    return validator;
  }
}
