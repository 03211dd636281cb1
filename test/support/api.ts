import request from 'supertest';

/**
 * An HTTP client for one app that sends a bearer token on every request: by default the
 * staff token (roles teller and admin) minted by the Jest global setup.
 */
export function httpApi(baseUrl: string, token: string = staffToken()): request.Agent {
  return request.agent(baseUrl).set('Authorization', `Bearer ${token}`);
}

/** The teller + admin token the global setup minted for this run. */
export function staffToken(): string {
  const token = process.env.LEDGERLINE_TEST_STAFF_TOKEN;
  if (!token) throw new Error('LEDGERLINE_TEST_STAFF_TOKEN is unset: run the tests with jest');
  return token;
}

/** How the server stores a client's Idempotency-Key: scoped by the caller (`user:<sub>`). */
export const storedIdempotencyKey = (clientKey: string, subject = 'test-staff'): string =>
  `${clientKey} user:${subject}`;
