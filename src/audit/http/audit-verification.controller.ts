import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow } from '../../auth/access-policy.decorator';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { AuditVerificationService } from '../audit-verification.service';
import { AuditVerificationRequestDto } from './audit-verification.request.dto';
import {
  AUDIT_VERIFICATION_EXAMPLES,
  AuditVerificationDto,
} from './audit-verification.response.dto';

/** Auditors check that the event log is what was appended. */
@ApiTags('audit')
@Controller('audit/verification')
export class AuditVerificationController {
  constructor(private readonly verification: AuditVerificationService) {}

  @Get()
  @Allow('auditor')
  @ApiOperation({
    operationId: 'getEventLogVerification',
    summary: "Verify the event log's hash chains and signed checkpoints",
    description:
      "With streamId: that stream's chain (its last events removed show only in the whole log). " +
      'Without: every stream, then every signed checkpoint; one pass over the whole log, which ' +
      'takes seconds per hundred thousand events (see docs/operations.md), one at a time per ' +
      'instance. A broken log still answers 200, with verified false and the first problem.',
  })
  @ApiOkResponse({ type: AuditVerificationDto, examples: AUDIT_VERIFICATION_EXAMPLES })
  @ApiProblems('VALIDATION_FAILED', ...DATABASE_READ_PROBLEMS)
  verify(@Query() query: AuditVerificationRequestDto): Promise<AuditVerificationDto> {
    return this.verification.verify(query.streamId);
  }
}
