import { Allow } from '../auth/access-policy.decorator';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/http/api-problems.decorator';
import { AppInstance } from '../database/app-instance';
import { RuntimeDto } from './health.response.dto';

/** GET /admin/runtime: this process's memory, for soak tests and leak hunting. */
export interface RuntimeView {
  instanceId: string;
  pid: number;
  uptimeMs: number;
  /** Whether a full garbage collection ran first (only when Node runs with --expose-gc). */
  collected: boolean;
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
  externalBytes: number;
}

/** Node only offers `gc` on the global object when started with --expose-gc. */
function exposedGc(): (() => void) | undefined {
  const candidate: unknown = (globalThis as { gc?: unknown }).gc;
  return typeof candidate === 'function' ? (candidate as () => void) : undefined;
}

@ApiTags('operations')
@Controller('admin/runtime')
export class RuntimeController {
  constructor(private readonly instance: AppInstance) {}

  @Get()
  @Allow('admin', 'auditor')
  @ApiOperation({
    operationId: 'getRuntime',
    summary:
      "This instance's memory; with node --expose-gc, measured right after a full garbage collection",
  })
  @ApiOkResponse({ type: RuntimeDto })
  @ApiProblems('INTERNAL_ERROR')
  read(): RuntimeView {
    const gc = exposedGc();
    gc?.();
    const memory = process.memoryUsage();
    return {
      instanceId: this.instance.id,
      pid: process.pid,
      uptimeMs: Math.round(process.uptime() * 1000),
      collected: gc !== undefined,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      rssBytes: memory.rss,
      externalBytes: memory.external,
    };
  }
}
