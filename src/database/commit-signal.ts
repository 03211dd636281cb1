import { Injectable } from '@nestjs/common';

/**
 * "Events were committed": raised for every NOTIFY the coordinator session receives (real
 * server) and after every append in this process, so background workers (the outbox relay)
 * wake at once instead of at their next poll.
 */
@Injectable()
export class CommitSignal {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  raise(): void {
    this.listeners.forEach((listener) => listener());
  }
}
