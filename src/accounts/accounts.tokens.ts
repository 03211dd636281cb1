/** DI tokens of the accounts context. */
export const ACCOUNT_REPOSITORY = Symbol('ACCOUNT_REPOSITORY');
export const ACCOUNT_COMMANDS = Symbol('ACCOUNT_COMMANDS');
