import { Injectable } from '@nestjs/common';
import { AppendObserver, AppendTransaction } from '@ledgerline/event-sourcing/postgres';
import { LedgerlineMetrics } from './ledgerline-metrics';

/** The event store's append transactions: batch size, duration, events committed. */
@Injectable()
export class AppendMetrics implements AppendObserver {
  constructor(private readonly metrics: LedgerlineMetrics) {}

  transactionWritten({ kind, appends, events, durationMs, committed }: AppendTransaction): void {
    this.metrics.appendDuration.observe({ kind, committed: String(committed) }, durationMs / 1000);
    this.metrics.appendBatchSize.observe({ kind }, appends);
    if (events > 0) this.metrics.appendedEvents.inc({ kind }, events);
  }
}
