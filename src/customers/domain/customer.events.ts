/** Stable event type names of the customer stream (past tense); never class names. */
export const CustomerEventType = {
  registered: 'CustomerRegistered',
  contactDetailsChanged: 'CustomerContactDetailsChanged',
  unregistered: 'CustomerUnregistered',
  accountLinked: 'CustomerAccountLinked',
  accountUnlinked: 'CustomerAccountUnlinked',
  erased: 'CustomerErased',
} as const;

/** Personal data (name, email, document number) lives in these events' data only. */
export interface CustomerRegistered {
  readonly type: typeof CustomerEventType.registered;
  readonly data: { customerId: string; name: string; email: string; documentNumber: string };
}

export interface CustomerContactDetailsChanged {
  readonly type: typeof CustomerEventType.contactDetailsChanged;
  readonly data: { customerId: string; name: string; email: string };
}

export interface CustomerUnregistered {
  readonly type: typeof CustomerEventType.unregistered;
  readonly data: { customerId: string };
}

/**
 * An account was opened for the customer. Written to the customer's stream in the same
 * transaction as the account's opening, so it races with unregistering on one stream version.
 */
export interface CustomerAccountLinked {
  readonly type: typeof CustomerEventType.accountLinked;
  readonly data: { customerId: string; accountId: string };
}

/** One of the customer's accounts was closed (same transaction as the closing). */
export interface CustomerAccountUnlinked {
  readonly type: typeof CustomerEventType.accountUnlinked;
  readonly data: { customerId: string; accountId: string };
}

/**
 * The customer's personal data is erased: their data key is deleted with it, so every
 * personal field sealed with it (in every event, backups included) reads as null from now on.
 */
export interface CustomerErased {
  readonly type: typeof CustomerEventType.erased;
  readonly data: { customerId: string };
}

export type CustomerEvent =
  | CustomerRegistered
  | CustomerContactDetailsChanged
  | CustomerUnregistered
  | CustomerAccountLinked
  | CustomerAccountUnlinked
  | CustomerErased;

export const CUSTOMER_EVENT_TYPES: readonly CustomerEvent['type'][] =
  Object.values(CustomerEventType);
