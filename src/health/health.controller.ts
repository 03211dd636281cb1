import { Public } from '../auth/access-policy.decorator';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiProblems } from '../common/http/api-problems.decorator';
import { BrokerStatus, MessagingTransport } from '../messaging/messaging-transport';

/** GET /health: terminus's result, plus the broker's state beside it. */
export type HealthView = HealthCheckResult & { broker: { status: BrokerStatus } };

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly transport: MessagingTransport,
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false, noCache: true })
  @ApiOperation({
    summary:
      'Liveness and readiness: the process answers and the database responds; the broker is reported, not required',
  })
  @ApiOkResponse({
    description:
      '{ status: "ok", info: { database: { status: "up" } }, broker: { status: "up" | "down" | "in-process" } }',
  })
  @ApiProblems('SERVICE_UNAVAILABLE')
  check(): Promise<HealthView> {
    return this.readiness();
  }

  /**
   * Liveness only: the process answers. A database outage does not fail it, so an
   * orchestrator does not restart an instance that will recover by itself.
   */
  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP (the database is not checked)' })
  @ApiOkResponse({ description: '{ status: "ok" }' })
  @ApiProblems('INTERNAL_ERROR')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 503 while the database does not answer, so a load balancer routes elsewhere. */
  @Get('ready')
  @Public()
  @HealthCheck({ swaggerDocumentation: false, noCache: true })
  @ApiOperation({ summary: 'Readiness: the database responds within 2 s (the broker is reported)' })
  @ApiOkResponse({ description: 'as GET /health' })
  @ApiProblems('SERVICE_UNAVAILABLE')
  ready(): Promise<HealthView> {
    return this.readiness();
  }

  private async readiness(): Promise<HealthView> {
    // A broker outage does not fail the check: writes still succeed (the outbox keeps the
    // messages) and pulling the instance would make things worse. It is reported instead.
    const result = await this.health.check([
      () => this.database.pingCheck('database', { timeout: 2_000 }),
    ]);
    return { ...result, broker: { status: this.transport.brokerStatus } };
  }
}
