import { Role } from './roles';

/** The authenticated caller of a request, from a verified token. */
export interface Principal {
  /** The token's `sub`: stable per person or client at the issuer. */
  readonly subject: string;
  /** The roles this service knows; roles it does not know are dropped. */
  readonly roles: ReadonlySet<Role>;
  /** The `customer_id` claim: required with the customer role, the one customer it may touch. */
  readonly customerId?: string;
}

/**
 * Which customers' data a caller may see and move: every customer's (staff roles) or one
 * customer's own (self-service). Anything outside it answers exactly like a missing object.
 */
export type AccessScope =
  { readonly kind: 'all' } | { readonly kind: 'customer'; readonly customerId: string };

export const ALL_CUSTOMERS: AccessScope = { kind: 'all' };

/**
 * The scope a principal acts with on one route: decided by the roles it holds that the route
 * allows, never by its other roles. A teller, or an auditor on a route open to auditors (a
 * read), or an admin on a route open to admins, acts for every customer; a customer for themselves. So a customer who is also an
 * auditor reads everything but moves only their own money. Undefined: no customer data.
 */
export function scopeOnRoute(
  principal: Principal,
  allowed: readonly Role[],
): AccessScope | undefined {
  const granted = allowed.filter((role) => principal.roles.has(role));
  // An admin only where a route allows admins outside /admin (erasing a customer's data).
  if (granted.some((role) => role === 'teller' || role === 'auditor' || role === 'admin'))
    return ALL_CUSTOMERS;
  if (granted.includes('customer') && principal.customerId)
    return { kind: 'customer', customerId: principal.customerId };
  return undefined;
}

/** Whether `scope` covers the customer `customerId`. */
export const coversCustomer = (scope: AccessScope, customerId: string): boolean =>
  scope.kind === 'all' || scope.customerId === customerId.toLowerCase();

/**
 * The `actor` written into the metadata of every event a request causes: `user:<sub>`.
 * The prefix keeps a person's id apart from system actors (`system:<process>`), whatever an
 * issuer puts in `sub`.
 */
export const actorOf = (principal: Principal): string => `user:${principal.subject}`;
