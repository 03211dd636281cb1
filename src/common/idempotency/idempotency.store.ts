import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JsonValue } from '@ledgerline/event-sourcing';
import {
  CLAIM_KEY_SQL,
  COMPLETE_KEY_SQL,
  FIND_KEY_SQL,
  PURGE_EXPIRED_SQL,
  RELEASE_KEY_SQL,
} from './idempotency.sql';

export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long an execution may hold a key before a retry of the same request may take over. */
const LEASE_MS = 30_000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export type KeyRecord =
  | { state: 'in_flight'; fingerprint: string }
  | { state: 'completed'; fingerprint: string; status: number; body: JsonValue };

/** The Idempotency-Key records in PostgreSQL; purges expired keys hourly. */
@Injectable()
export class IdempotencyStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyStore.name);
  private purgeTimer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purgeExpired(), PURGE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  async claim(key: string, fingerprint: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(CLAIM_KEY_SQL, [
      key,
      fingerprint,
      LEASE_MS,
      IDEMPOTENCY_RETENTION_MS,
    ]);
    return rows.length === 1;
  }

  async find(key: string): Promise<KeyRecord | undefined> {
    const rows: {
      fingerprint: string;
      state: string;
      response_status: number | null;
      response_body: JsonValue;
    }[] = await this.dataSource.query(FIND_KEY_SQL, [key]);
    if (rows.length === 0) return undefined;
    const [row] = rows;
    return row.state === 'completed' && row.response_status !== null
      ? {
          state: 'completed',
          fingerprint: row.fingerprint,
          status: row.response_status,
          body: row.response_body,
        }
      : { state: 'in_flight', fingerprint: row.fingerprint };
  }

  async complete(key: string, fingerprint: string, status: number, body: JsonValue): Promise<void> {
    await this.dataSource.query(COMPLETE_KEY_SQL, [key, fingerprint, status, JSON.stringify(body)]);
  }

  async release(key: string, fingerprint: string): Promise<void> {
    await this.dataSource.query(RELEASE_KEY_SQL, [key, fingerprint]);
  }

  async purgeExpired(): Promise<void> {
    try {
      await this.dataSource.query(PURGE_EXPIRED_SQL, [IDEMPOTENCY_RETENTION_MS]);
    } catch (error) {
      this.logger.warn(`purging expired idempotency keys failed: ${String(error)}`);
    }
  }
}
