/**
 * Who may run a projection: with several app instances on one database, each projection
 * is processed by exactly one holder at a time, and another takes over when it dies.
 */
export interface ProjectionLease {
  /** True when this process holds (or just acquired) the lease on `name`. Never blocks. */
  tryAcquire(name: string): Promise<boolean>;
  release(name: string): Promise<void>;
}

/** A lease that always succeeds: for a single process (tests, the embedded database). */
export const SOLE_INSTANCE_LEASE: ProjectionLease = {
  tryAcquire: () => Promise.resolve(true),
  release: () => Promise.resolve(),
};
