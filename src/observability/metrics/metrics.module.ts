import { Global, Module } from '@nestjs/common';
import { AppendMetrics } from './append-metrics';
import { CommandMetrics } from './command-metrics';
import { HttpMetrics } from './http-metrics';
import { LedgerlineMetrics } from './ledgerline-metrics';
import { MetricsController } from './metrics.controller';
import { APPEND_OBSERVER, COMMAND_OBSERVER } from './metrics.tokens';
import { StateMetrics } from './state-metrics';

/**
 * Prometheus metrics: GET /metrics, the HTTP middleware (installed by app.factory.ts), and
 * the observers the event store and the command executors report to (global, so each
 * context's executors can take COMMAND_OBSERVER).
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    LedgerlineMetrics,
    HttpMetrics,
    CommandMetrics,
    AppendMetrics,
    StateMetrics,
    { provide: COMMAND_OBSERVER, useExisting: CommandMetrics },
    { provide: APPEND_OBSERVER, useExisting: AppendMetrics },
  ],
  exports: [LedgerlineMetrics, HttpMetrics, COMMAND_OBSERVER, APPEND_OBSERVER],
})
export class MetricsModule {}
