import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { count } from '../common/http/api-numbers';

/** The state of one dependency, as terminus reports it. */
const INDICATORS = {
  type: 'object' as const,
  additionalProperties: {
    type: 'object' as const,
    properties: { status: { type: 'string' as const, example: 'up' } },
  },
  example: { database: { status: 'up' } },
};

class BrokerStateDto {
  @ApiProperty({ enum: ['up', 'down', 'in-process'] }) status!: string;
}

/** GET /health and /health/ready: terminus's result, plus the broker's state. */
export class HealthDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] }) status!: string;
  @ApiPropertyOptional({ ...INDICATORS, description: 'The dependencies that are up' })
  info?: Record<string, { status: string }>;
  @ApiPropertyOptional({ ...INDICATORS, description: 'The dependencies that are down' })
  error?: Record<string, { status: string }>;
  @ApiProperty({ ...INDICATORS, description: 'Every dependency checked' })
  details!: Record<string, { status: string }>;
  @ApiProperty({ type: BrokerStateDto, description: 'Reported, not required' })
  broker!: BrokerStateDto;
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

/** GET /admin/runtime */
export class RuntimeDto {
  @ApiProperty({ format: 'uuid' }) instanceId!: string;
  @ApiProperty(count('Process id', 4242)) pid!: number;
  @ApiProperty(count('Milliseconds since the process started', 360_000)) uptimeMs!: number;
  @ApiProperty({ description: 'A full garbage collection ran first (node --expose-gc only)' })
  collected!: boolean;
  @ApiProperty(count('V8 heap in use, bytes', 48_000_000)) heapUsedBytes!: number;
  @ApiProperty(count('V8 heap reserved, bytes', 64_000_000)) heapTotalBytes!: number;
  @ApiProperty(count('Resident set size, bytes', 150_000_000)) rssBytes!: number;
  @ApiProperty(count('Memory of C++ objects bound to JavaScript, bytes', 3_000_000))
  externalBytes!: number;
}
