import { DomainError } from '../shared-kernel/domain-error';

export class ProjectionNotFoundError extends DomainError {
  readonly code = 'PROJECTION_NOT_FOUND';
  constructor(readonly projectionName: string) {
    super(`no projection is called ${projectionName}`);
  }
}

export class ReadModelBehindError extends DomainError {
  readonly code = 'READ_MODEL_BEHIND';
  constructor(
    readonly projection: string,
    readonly position: bigint,
  ) {
    super(`the ${projection} read model has not reached position ${position} yet; retry shortly`);
  }
}
