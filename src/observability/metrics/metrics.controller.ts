import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Allow } from '../../auth/access-policy.decorator';
import { LedgerlineMetrics } from './ledgerline-metrics';
import { StateMetrics } from './state-metrics';

/**
 * GET /metrics for Prometheus, on the API's own port behind the same bearer tokens: no
 * second listener to secure and expose. Auditors (read everything, write nothing) may scrape,
 * so the scraper's token need not hold admin.
 */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: LedgerlineMetrics,
    private readonly state: StateMetrics,
  ) {}

  @Get()
  @Allow('admin', 'auditor')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'scrapeMetrics',
    summary:
      "This instance's metrics in the Prometheus text format (docs/observability.md); database figures are left out, never failing the scrape, when the database cannot answer",
  })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', type: String })
  async scrape(): Promise<string> {
    await this.state.refresh();
    return this.metrics.render();
  }
}
