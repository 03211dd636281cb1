/** DI tokens of the accounts context. */
export const ACCOUNT_REPOSITORY = Symbol('ACCOUNT_REPOSITORY');
export const ACCOUNT_COMMANDS = Symbol('ACCOUNT_COMMANDS');
/** Commands that also write the customer's stream (open, close). */
export const ACCOUNT_CUSTOMER_COMMANDS = Symbol('ACCOUNT_CUSTOMER_COMMANDS');
export const CUSTOMER_REPOSITORY_FOR_ACCOUNTS = Symbol('CUSTOMER_REPOSITORY_FOR_ACCOUNTS');
