import { Request } from 'express';
import { ApiError } from '../common/errors/api-error';
import { AccessScope, Principal } from './principal';

/** What authentication found on a request: a principal, a refusal, or no credentials. */
export type Authentication =
  | {
      readonly state: 'authenticated';
      readonly principal: Principal;
      /** The scope the route's policy grants this principal (see scopeOnRoute). */
      readonly scope?: AccessScope;
    }
  | {
      readonly state: 'refused';
      readonly error: ApiError;
      /** Another scheme than Bearer: RFC 6750 asks for a challenge without an error code. */
      readonly otherScheme?: boolean;
    }
  | { readonly state: 'anonymous' };

// Per-request state between the guards and the parameter decorators, without widening
// Express's Request type.
const authentications = new WeakMap<Request, Authentication>();

export const rememberAuthentication = (request: Request, result: Authentication): void => {
  authentications.set(request, result);
};

export const authenticationOf = (request: Request): Authentication =>
  authentications.get(request) ?? { state: 'anonymous' };

/** The scope the guard granted this request on its route, or undefined. */
export const scopeGranted = (request: Request): AccessScope | undefined => {
  const result = authenticationOf(request);
  return result.state === 'authenticated' ? result.scope : undefined;
};

/** The principal of an authenticated request, or undefined. */
export const principalOf = (request: Request): Principal | undefined => {
  const result = authenticationOf(request);
  return result.state === 'authenticated' ? result.principal : undefined;
};
