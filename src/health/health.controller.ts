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
  async check(): Promise<HealthView> {
    // A broker outage does not fail the check: writes still succeed (the outbox keeps the
    // messages) and pulling the instance would make things worse. It is reported instead.
    const result = await this.health.check([
      () => this.database.pingCheck('database', { timeout: 2_000 }),
    ]);
    return { ...result, broker: { status: this.transport.brokerStatus } };
  }
}
