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

export class RebuildInProgressError extends DomainError {
  readonly code = 'REBUILD_IN_PROGRESS';
  constructor(
    readonly projectionName: string,
    readonly claimedBy?: string,
  ) {
    super(
      `${projectionName} is already being rebuilt${claimedBy ? ` (by ${claimedBy})` : ''}; follow it in GET /admin/projections`,
    );
  }
}

export class ProjectionNotRebuildableError extends DomainError {
  readonly code = 'PROJECTION_NOT_REBUILDABLE';
  constructor(readonly projectionName: string) {
    super(`${projectionName} has side effects (it sends commands) and is never replayed from 0`);
  }
}
