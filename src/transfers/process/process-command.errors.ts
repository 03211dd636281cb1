import { DomainError } from '../../shared-kernel/domain-error';

/** An operator's retry named a command that is not parked (unknown, pending or settled). */
export class ProcessCommandNotFoundError extends DomainError {
  readonly code = 'PROCESS_COMMAND_NOT_FOUND';
  constructor(readonly commandId: string) {
    super(`no parked process command has id ${commandId}`);
  }
}
