import request from 'supertest';

/** Every error response: problem+json with a stable code, no stack trace, no SQL. */
export function expectCleanProblem(response: request.Response, status: number, code: string): void {
  expect({ status: response.status, code: (response.body as { code?: string }).code }).toEqual({
    status,
    code,
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const text = JSON.stringify(response.body);
  expect(text).not.toMatch(
    /\bat .+\.(js|ts):\d+|node_modules|SELECT|INSERT|es_events|QueryFailedError/,
  );
}
