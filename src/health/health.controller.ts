import { Public } from '../auth/access-policy.decorator';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiError } from '../common/errors/api-error';
import { ApiProblems } from '../common/http/api-problems.decorator';
import { BrokerStatus, MessagingTransport } from '../messaging/messaging-transport';
import { HealthDto, LivenessDto } from './health.response.dto';
import { ShutdownState } from './shutdown-state';

/** GET /health: terminus's result, plus the broker's state beside it. */
export type HealthView = HealthCheckResult & { broker: { status: BrokerStatus } };

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly transport: MessagingTransport,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false, noCache: true })
  @ApiOperation({
    operationId: 'checkHealth',
    summary:
      'Liveness and readiness: the process answers and the database responds; the broker is reported, not required',
  })
  @ApiOkResponse({ type: HealthDto, description: 'The database is up (the broker is reported)' })
  @ApiProblems('SERVICE_UNAVAILABLE')
  check(): Promise<HealthView> {
    return this.readiness();
  }

  /**
   * Liveness only: the process answers. A database outage does not fail it, so an
   * orchestrator does not restart an instance that will recover by itself; nor does a
   * shutdown in progress, which is not a fault.
   */
  @Get('live')
  @Public()
  @ApiOperation({
    operationId: 'checkLiveness',
    summary: 'Liveness: the process serves HTTP (the database is not checked)',
  })
  @ApiOkResponse({ type: LivenessDto })
  @ApiProblems('INTERNAL_ERROR')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: 503 while the database does not answer or the instance is shutting down, so a
   * load balancer routes elsewhere. Not before the migrations have run either: they run before
   * the server listens, so until then nothing answers at all.
   */
  @Get('ready')
  @Public()
  @HealthCheck({ swaggerDocumentation: false, noCache: true })
  @ApiOperation({
    operationId: 'checkReadiness',
    summary:
      'Readiness: the database responds within 2 s and the instance is not shutting down (the broker is reported)',
  })
  @ApiOkResponse({ type: HealthDto, description: 'Ready: as GET /health' })
  @ApiProblems('SERVICE_UNAVAILABLE')
  ready(): Promise<HealthView> {
    return this.readiness();
  }

  private async readiness(): Promise<HealthView> {
    // Draining: the requests already running finish, new ones belong on another instance.
    if (this.shutdown.draining)
      throw new ApiError('SERVICE_UNAVAILABLE', 'this instance is shutting down');
    // A broker outage does not fail the check: writes still succeed (the outbox keeps the
    // messages) and pulling the instance would make things worse. It is reported instead.
    const result = await this.health.check([
      () => this.database.pingCheck('database', { timeout: 2_000 }),
    ]);
    return { ...result, broker: { status: this.transport.brokerStatus } };
  }
}
