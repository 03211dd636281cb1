import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppInstance } from '../../database/app-instance';
import {
  CLAIM_KEY_SQL,
  COMPLETE_KEY_SQL,
  FIND_KEY_SQL,
  PURGE_EXPIRED_SQL,
  RELEASE_KEY_SQL,
} from './idempotency.sql';

export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * How long an execution may hold a key before a retry of the same request may take over,
 * whoever runs it. A dead instance's keys are taken over at once (its liveness lock is gone).
 */
export const IDEMPOTENCY_LEASE_MS = 30_000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** Records deleted per purge statement. */
const PURGE_BATCH = 1_000;

/** A response as a replay repeats it: the body's exact JSON text and the headers that matter. */
export interface StoredResponse {
  readonly status: number;
  readonly bodyText: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

export type KeyRecord =
  | { state: 'in_flight'; fingerprint: string }
  | ({ state: 'completed'; fingerprint: string } & StoredResponse);

/**
 * The Idempotency-Key records in PostgreSQL; purges expired keys hourly, in batches of
 * 1 000 rows per statement, skipping rows that a request holds.
 */
@Injectable()
export class IdempotencyStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyStore.name);
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instance: AppInstance,
  ) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purgeExpired(), PURGE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  /**
   * Claims `key` for an execution by this instance.
   * @param noneRunsHere no execution of the key runs in this process, so one recorded as
   *   this instance's died with its request (its outcome was never recorded) and is taken over
   */
  /** @returns the claim's token (for `complete` and `release`), or undefined when not claimed */
  async claim(
    key: string,
    fingerprint: string,
    noneRunsHere: boolean,
  ): Promise<string | undefined> {
    const token = randomUUID();
    const rows: unknown[] = await this.dataSource.query(CLAIM_KEY_SQL, [
      key,
      fingerprint,
      IDEMPOTENCY_LEASE_MS,
      IDEMPOTENCY_RETENTION_MS,
      this.instance.id,
      noneRunsHere,
      token,
    ]);
    return rows.length === 1 ? token : undefined;
  }

  async find(key: string): Promise<KeyRecord | undefined> {
    const rows: {
      fingerprint: string;
      state: string;
      response_status: number | null;
      response_text: string | null;
      response_headers: Record<string, string> | null;
    }[] = await this.dataSource.query(FIND_KEY_SQL, [key]);
    if (rows.length === 0) return undefined;
    const [row] = rows;
    return row.state === 'completed' && row.response_status !== null
      ? {
          state: 'completed',
          fingerprint: row.fingerprint,
          status: row.response_status,
          bodyText: row.response_text ?? 'null',
          headers: row.response_headers ?? {},
        }
      : { state: 'in_flight', fingerprint: row.fingerprint };
  }

  /** Stores the outcome of claim `token`; nothing when the key was taken over since. */
  async complete(key: string, token: string, response: StoredResponse): Promise<void> {
    await this.dataSource.query(COMPLETE_KEY_SQL, [
      key,
      token,
      response.status,
      response.bodyText,
      JSON.stringify(response.headers),
    ]);
  }

  /** Frees the key of claim `token`; nothing when the key was taken over since. */
  async release(key: string, token: string): Promise<void> {
    await this.dataSource.query(RELEASE_KEY_SQL, [key, token]);
  }

  /** Deletes every record past retention, batch by batch. @returns how many */
  async purgeExpired(retentionMs = IDEMPOTENCY_RETENTION_MS): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const [{ deleted }] = await this.dataSource.query<{ deleted: number }[]>(
          PURGE_EXPIRED_SQL,
          [retentionMs, PURGE_BATCH],
        );
        total += deleted;
        if (deleted < PURGE_BATCH) return total;
      }
    } catch (error) {
      this.logger.warn(`purging expired idempotency keys failed: ${String(error)}`);
      return total;
    }
  }
}
