import { Injectable } from '@nestjs/common';

/**
 * Whether this instance is shutting down. Set on SIGTERM/SIGINT before anything else happens,
 * so readiness answers 503 while the requests already running finish, and a load balancer
 * that polls it stops sending new ones.
 */
@Injectable()
export class ShutdownState {
  private drainingSince?: number;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  beginDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
