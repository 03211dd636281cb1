import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiProblems } from '../common/http/api-problems.decorator';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false, noCache: true })
  @ApiOperation({
    summary: 'Liveness and readiness: the process answers and the database responds',
  })
  @ApiOkResponse({ description: '{ status: "ok", info: { database: { status: "up" } } }' })
  @ApiProblems('SERVICE_UNAVAILABLE')
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.pingCheck('database', { timeout: 2_000 })]);
  }
}
