import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { analyzeStaleTables, serverAnalyzesTables } from '@ledgerline/event-sourcing/postgres';
import { DatabaseSettings } from './database-settings';

/**
 * Keeps the planner's statistics of this schema's tables fresh where the server does not:
 * every `intervalMs`, the tables changed by more than autoanalyze's threshold since their last
 * ANALYZE are analysed (analyzeStaleTables). `auto` does so only on a server whose autovacuum
 * is off when the app starts; `on` always; `off`, or no settings (one-off tools, benchmarks of
 * the library), never. Never on the embedded database (one session, light load).
 * Without it, on such a server, the outbox claim and the append's command-id check scan their
 * whole tables once those have grown, and deposits slow down as the run goes on.
 * Every instance runs it; a table one is analysing is skipped by the others.
 */
@Injectable()
export class TableStatisticsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TableStatistics');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly database: DatabaseSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.database.tableStatistics;
    if (!settings || settings.mode === 'off' || this.database.embedded) return;
    if (settings.mode === 'auto') {
      const analyzes = await this.serverAnalyzes();
      if (analyzes) return;
      this.logger.log(
        `the server's autovacuum is ${analyzes === false ? 'off' : 'unknown'}: tables with ` +
          `stale statistics are analysed every ${settings.intervalMs} ms`,
      );
    }
    this.schedule(settings.intervalMs);
  }

  /** Stops the rounds and waits for one under way, before the DataSource is destroyed. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round: analyses the stale tables; @returns their names (none after a failure). */
  async analyzeStale(): Promise<string[]> {
    const started = Date.now();
    try {
      const { analysed, failed } = await analyzeStaleTables(this.dataSource);
      if (analysed.length > 0)
        this.logger.debug(`analysed ${analysed.join(', ')} in ${Date.now() - started} ms`);
      for (const { table, error } of failed)
        this.logger.warn(`analysing ${table} failed, next try in a round: ${String(error)}`);
      return analysed;
    } catch (error) {
      this.logger.warn(`looking for tables with stale statistics failed: ${String(error)}`);
      return [];
    }
  }

  /** @returns undefined when the setting could not be read (then statistics are kept). */
  private async serverAnalyzes(): Promise<boolean | undefined> {
    try {
      return await serverAnalyzesTables(this.dataSource);
    } catch (error) {
      this.logger.warn(`could not read the server's autovacuum setting: ${String(error)}`);
      return undefined;
    }
  }

  // One round after another, never two at once: a long ANALYZE delays the next round.
  private schedule(intervalMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.analyzeStale().then(() => this.schedule(intervalMs));
    }, intervalMs).unref();
  }
}
