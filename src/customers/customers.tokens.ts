/** DI tokens of the customers context. */
export const CUSTOMER_REPOSITORY = Symbol('CUSTOMER_REPOSITORY');
export const DOCUMENT_RESERVATIONS = Symbol('DOCUMENT_RESERVATIONS');
export const CUSTOMER_COMMANDS = Symbol('CUSTOMER_COMMANDS');
