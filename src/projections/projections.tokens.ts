/** DI token of the read-model projections the app runs (listed in the composition root). */
export const PROJECTIONS = Symbol('PROJECTIONS');
/** DI token of the app's DatabaseSettings. */
export const DATABASE_SETTINGS = Symbol('DATABASE_SETTINGS');
/** DI token of ProjectionsOptions. */
export const PROJECTIONS_OPTIONS = Symbol('PROJECTIONS_OPTIONS');

export interface ProjectionsOptions {
  /** Start the runners with the app (off for the CLI, which drives them itself). */
  readonly autoStart: boolean;
  /** How long a read with X-Min-Position may wait, in ms. */
  readonly readYourWritesTimeoutMs: number;
}
