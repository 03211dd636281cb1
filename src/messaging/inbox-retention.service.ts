import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { purgeInbox } from '@ledgerline/event-sourcing/postgres';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.tokens';

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes consumers' inbox records past INBOX_RETENTION_HOURS, hourly and once shortly after
 * start, in batches (see purgeInbox). Every instance runs it; they skip each other's rows.
 */
@Injectable()
export class InboxRetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InboxRetention');
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.inboxRetentionMs === undefined) return;
    this.timer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS).unref();
    this.first = setTimeout(() => void this.purge(), 10_000).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    clearTimeout(this.first);
  }

  /** @returns how many records were deleted (0 when the database could not be reached) */
  async purge(): Promise<number> {
    const retentionMs = this.options.inboxRetentionMs;
    if (retentionMs === undefined) return 0;
    try {
      return await purgeInbox(this.dataSource, retentionMs);
    } catch (error) {
      this.logger.warn(`purging the inbox failed, next try in an hour: ${String(error)}`);
      return 0;
    }
  }
}
