import { DomainError } from '../shared-kernel/domain-error';

export class DeadLetterNotFoundError extends DomainError {
  readonly code = 'DEAD_LETTER_NOT_FOUND';
  constructor(readonly id: string) {
    super(`no dead-lettered outbox message has id ${id}`);
  }
}
