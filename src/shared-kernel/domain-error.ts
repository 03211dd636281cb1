/**
 * Base of every business-rule violation. `code` is one of the stable API codes; the
 * domain knows no HTTP status (the exception filter maps codes to statuses).
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
