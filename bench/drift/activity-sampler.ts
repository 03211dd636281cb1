import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/**
 * A sampling profile of the database: every `intervalMs`, which statements the app's
 * sessions are running (pg_stat_activity), and what each is waiting on. Each sample of a
 * statement stands for about `intervalMs` of one session's time in it, so the counts say where
 * the sessions spend their time, as pg_stat_statements' total time would where it is loaded.
 * A session idle inside a transaction (the app between two statements of it) counts as
 * `(idle in transaction)`: its time is the app's, not the database's.
 */
export interface ActivityProfile {
  /** Samples taken, and the wall time they covered. */
  readonly ticks: number;
  readonly seconds: number;
  /** Samples by statement text (comments dropped, whitespace collapsed, cut at 110 chars). */
  readonly statements: ReadonlyMap<string, number>;
  /** Samples by wait event (`CPU` when none: running or runnable). */
  readonly waits: ReadonlyMap<string, number>;
  /** The app's sessions seen, and how many of them no earlier profile saw (new connections). */
  readonly sessions: number;
  readonly newSessions: number;
}

export interface ActivitySampler {
  /** Ends the current profile and starts the next one. */
  take(): ActivityProfile;
  /** Stops sampling; resolves once the last query returned. */
  stop(): Promise<void>;
}

export const IDLE_IN_TRANSACTION = '(idle in transaction)';

/** A statement's text as the profile keys it. */
export function statementKey(query: string): string {
  return query
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 110);
}

/**
 * Samples the sessions whose application_name starts with `applicationName` (the app's pool,
 * coordinator and instance sessions) on `client`, a connection of its own.
 */
export function startActivitySampler(
  client: Client,
  applicationName: string,
  intervalMs: number,
): ActivitySampler {
  let statements = new Map<string, number>();
  let waits = new Map<string, number>();
  let ticks = 0;
  // A new connection prepares its statements anew: their plans are made on the tables as
  // they are then, so the sessions' turnover is part of the picture.
  const seenBefore = new Set<number>();
  let seen = new Set<number>();
  let since = performance.now();
  let running = true;
  let failure: Error | undefined;
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const loop = async () => {
    while (running) {
      const started = performance.now();
      const { rows } = await client.query<{
        pid: number;
        state: string | null;
        wait_event_type: string | null;
        wait_event: string | null;
        query: string;
      }>(
        `SELECT pid, state, wait_event_type, wait_event, query FROM pg_stat_activity
          WHERE left(application_name, length($1)) = $1`,
        [applicationName],
      );
      ticks++;
      for (const row of rows) {
        seen.add(row.pid);
        if (row.state === 'idle' || row.state === null) continue;
        if (row.state !== 'active') {
          add(statements, IDLE_IN_TRANSACTION);
          continue;
        }
        add(statements, statementKey(row.query));
        add(waits, row.wait_event_type ? `${row.wait_event_type}:${row.wait_event}` : 'CPU');
      }
      await sleep(Math.max(0, intervalMs - (performance.now() - started)));
    }
  };
  const done = loop().catch((error: unknown) => {
    failure = new Error('sampling pg_stat_activity failed', { cause: error });
  });
  return {
    take() {
      if (failure) throw failure;
      const now = performance.now();
      const newSessions = [...seen].filter((pid) => !seenBefore.has(pid)).length;
      for (const pid of seen) seenBefore.add(pid);
      const profile = {
        ticks,
        seconds: (now - since) / 1000,
        statements,
        waits,
        sessions: seen.size,
        newSessions,
      };
      seen = new Set();
      statements = new Map();
      waits = new Map();
      ticks = 0;
      since = now;
      return profile;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}
