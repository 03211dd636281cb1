import {
  BadRequestException,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import { CommitOutcomeUnknownError, WrongExpectedVersionError } from '@ledgerline/event-sourcing';
import { DomainError } from '../../shared-kernel/domain-error';
import { ApiError } from './api-error';
import { ERROR_CATALOGUE, ErrorCode } from './error-catalogue';
import { ProblemDetails, toProblem } from './problem-details';

/** A refusal as a context's domain raises it: a stable code and a message, no HTTP status. */
class Refusal extends DomainError {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Every problem is a complete RFC 9457 document whose status and title come from the catalogue. */
function expectCompleteProblem(problem: ProblemDetails): void {
  expect(problem).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^urn:ledgerline:problem:[a-z-]+$/),
      title: expect.any(String),
      status: expect.any(Number),
      code: expect.any(String),
      detail: expect.any(String),
    }),
  );
  const entry = ERROR_CATALOGUE[problem.code];
  expect(problem.status).toBe(entry.status);
  expect(problem.title).toBe(entry.title);
  expect(problem.detail.length).toBeGreaterThan(0);
}

describe('toProblem', () => {
  it('keeps an ApiError’s code, detail and extensions', () => {
    const errors = [{ field: 'amount', messages: ['must be positive'] }];
    const problem = toProblem(
      new ApiError('VALIDATION_FAILED', 'the body is not valid', { errors }),
    );

    expectCompleteProblem(problem);
    expect(problem).toEqual({
      type: 'urn:ledgerline:problem:validation-failed',
      title: ERROR_CATALOGUE.VALIDATION_FAILED.title,
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'the body is not valid',
      errors,
    });
  });

  it('maps a domain error to its catalogued status, with its message as detail', () => {
    const error = new Refusal('INSUFFICIENT_FUNDS', 'account acc-1 holds 100, cannot withdraw 250');
    const problem = toProblem(error);

    expectCompleteProblem(problem);
    expect(problem).toMatchObject({
      type: 'urn:ledgerline:problem:insufficient-funds',
      status: 422,
      code: 'INSUFFICIENT_FUNDS',
      detail: error.message,
    });
  });

  it.each([
    [new Refusal('ACCOUNT_CLOSED', 'account acc-1 is closed'), 409, 'ACCOUNT_CLOSED'],
    [new Refusal('INVALID_AMOUNT', 'amount must be positive'), 400, 'INVALID_AMOUNT'],
  ])('maps %p to %p %p', (error, status, code) => {
    const problem = toProblem(error);
    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status, code });
  });

  it('maps a version conflict to 409 VERSION_CONFLICT', () => {
    const problem = toProblem(new WrongExpectedVersionError('account-acc-1', 3, 4));

    expectCompleteProblem(problem);
    expect(problem).toMatchObject({
      type: 'urn:ledgerline:problem:version-conflict',
      status: 409,
      code: 'VERSION_CONFLICT',
    });
  });

  it('hides everything about an unknown error behind a generic 500', () => {
    const error = new Error('SELECT * FROM secret');
    const problem = toProblem(error);
    const json = JSON.stringify(problem);

    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(json).not.toContain('SELECT');
    expect(json).not.toContain('secret');
    expect(error.stack).toBeDefined();
    expect(json).not.toContain(String(error.stack));
    expect(json).not.toContain('problem-details.spec');
    expect(Object.keys(problem).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
  });

  it('hides an error whose code is not catalogued (e.g. a driver error)', () => {
    const driverError = Object.assign(new Error('duplicate key value violates "es_events_pkey"'), {
      code: '23505',
    });
    const problem = toProblem(driverError);

    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(problem)).not.toContain('es_events');
  });

  it.each<unknown>(['a string', 42, null, undefined, { message: 'SELECT 1' }])(
    'maps the non-error %p to a generic 500',
    (thrown) => {
      const problem = toProblem(thrown);
      expectCompleteProblem(problem);
      expect(problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
      expect(JSON.stringify(problem)).not.toContain('SELECT');
    },
  );

  it('maps a body-parser "entity too large" error to 413 PAYLOAD_TOO_LARGE', () => {
    const problem = toProblem({ type: 'entity.too.large', status: 413 });

    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('maps a body-parser parse failure to 400 MALFORMED_JSON without echoing the body', () => {
    const parseError = Object.assign(new SyntaxError('Unexpected token S in JSON: SELECT'), {
      type: 'entity.parse.failed',
      status: 400,
      body: 'SELECT',
    });
    const problem = toProblem(parseError);

    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    expect(JSON.stringify(problem)).not.toContain('SELECT');
  });

  it.each([
    [{ type: 'charset.unsupported', status: 415 }],
    [{ type: 'encoding.unsupported', status: 415 }],
  ])('maps the body-parser error %p to 415 UNSUPPORTED_MEDIA_TYPE', (error) => {
    const problem = toProblem(error);
    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('maps Nest’s NotFoundException (no route) to 404 NOT_FOUND', () => {
    const problem = toProblem(new NotFoundException('Cannot GET /nowhere'));

    expectCompleteProblem(problem);
    expect(problem).toMatchObject({
      type: 'urn:ledgerline:problem:not-found',
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it.each([
    [new MethodNotAllowedException(), 405, 'METHOD_NOT_ALLOWED'],
    [new PayloadTooLargeException(), 413, 'PAYLOAD_TOO_LARGE'],
    [new BadRequestException(), 400, 'MALFORMED_JSON'],
  ])('maps Nest’s %p to %p %p', (error, status, code) => {
    const problem = toProblem(error);
    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status, code });
  });
});

describe('database faults', () => {
  /** As TypeORM wraps a server error: the SQLSTATE on `driverError`. */
  const queryFailed = (code: string, message: string): Error =>
    Object.assign(new Error(message), { driverError: Object.assign(new Error(message), { code }) });

  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    [
      'a terminated backend',
      queryFailed('57P01', 'terminating connection due to administrator command'),
    ],
    ['a server shutting down', queryFailed('57P03', 'the database system is shutting down')],
    ['a connection exception', queryFailed('08006', 'connection failure')],
    ['a lost session', new Error('Connection terminated unexpectedly')],
    ['a full pool', new Error('timeout exceeded when trying to connect')],
    ['a query runner TypeORM released on a session error', new QueryRunnerAlreadyReleasedError()],
  ])('%s is 503 DATABASE_UNAVAILABLE, revealing nothing of the server', (_, error) => {
    const problem = toProblem(error);
    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(problem.detail).not.toMatch(/ECONN|127\.0\.0\.1|terminat|5432/);
  });

  it.each([
    ['a statement timeout', queryFailed('57014', 'canceling statement due to statement timeout')],
    ['a lock timeout', queryFailed('55P03', 'canceling statement due to lock timeout')],
  ])('%s is 503 DATABASE_TIMEOUT', (_, error) => {
    const problem = toProblem(error);
    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 503, code: 'DATABASE_TIMEOUT' });
  });

  it('a session lost during COMMIT is 503 COMMIT_OUTCOME_UNKNOWN, without Retry-After (a blind retry could apply it twice)', () => {
    const problem = toProblem(new CommitOutcomeUnknownError(new Error('Connection terminated')));
    expectCompleteProblem(problem);
    expect(problem).toMatchObject({ status: 503, code: 'COMMIT_OUTCOME_UNKNOWN' });
    expect('retryAfterSeconds' in ERROR_CATALOGUE.COMMIT_OUTCOME_UNKNOWN).toBe(false);
  });

  it('a unique violation or any other SQL error stays a 500 that says nothing', () => {
    const problem = toProblem(
      queryFailed('23505', 'duplicate key value violates unique constraint'),
    );
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });
});
