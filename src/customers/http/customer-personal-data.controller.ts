import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ReadsProjection } from '../../projections/read-your-writes';
import { CUSTOMER_SUMMARIES } from '../projections/customer-summaries.projection';
import { ExportPersonalDataQuery, PersonalDataExport } from '../queries/export-personal-data.query';
import { PersonalDataExportDto } from './dto/personal-data-export.response.dto';

/** The customer's right of access (GDPR art. 15); kept apart from the customer lifecycle. */
@ApiTags('customers')
@Controller('customers')
export class CustomerPersonalDataController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/personal-data')
  // Listed in the order of the other read routes: the OpenAPI x-allowed-roles keeps it.
  @Allow('teller', 'auditor', 'customer')
  // The export includes the customer_summaries row: X-Min-Position makes it include a write.
  @ReadsProjection(CUSTOMER_SUMMARIES)
  @ApiOperation({
    operationId: 'exportPersonalData',
    summary: 'Every personal value held about the customer, decrypted, with where it is held',
    description:
      'Lists each declared personal field of each event of the customer stream and of the ' +
      "customer's document reservation, and their customer_summaries row. Once erased: " +
      '`erased: true`, `fields` empty (nothing readable is held) and the row with null fields. ' +
      'A customer may export only themselves.',
  })
  @ApiOkResponse({ type: PersonalDataExportDto })
  @ApiProblems('INVALID_ID', 'CUSTOMER_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  export(
    @Param('id', UuidParamPipe) id: string,
    @CallerScope() scope: AccessScope,
  ): Promise<PersonalDataExport> {
    return this.queries.execute(new ExportPersonalDataQuery(id, scope));
  }
}
