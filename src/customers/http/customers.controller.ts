import { NoBody } from '../../common/http/no-body.decorator';
import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { CommandContext } from '../../common/commands/command-context';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { ApiVersionedRead } from '../../common/http/api-versioned-read.decorator';
import { ApiWrite } from '../../common/http/api-write.decorator';
import { WriteContext } from '../../common/http/command-context.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { versionTag } from '../../common/http/if-match';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ReadsProjection } from '../../projections/read-your-writes';
import { ChangeContactDetailsCommand } from '../commands/change-contact-details.command';
import { CustomerWriteResult } from '../commands/customer-command.results';
import { RegisterCustomerCommand } from '../commands/register-customer.command';
import { UnregisterCustomerCommand } from '../commands/unregister-customer.command';
import { EraseCustomerCommand } from '../commands/erase-customer.command';
import { CUSTOMER_SUMMARIES } from '../projections/customer-summaries.projection';
import { CustomerPage, CustomerView } from '../queries/customer.views';
import { GetCustomerQuery } from '../queries/get-customer.query';
import { ListCustomersQuery } from '../queries/list-customers.query';
import {
  ChangeContactDetailsRequestDto,
  ListCustomersRequestDto,
  RegisterCustomerRequestDto,
} from './dto/customer.request.dto';
import {
  CustomerPageDto,
  CustomerResponseDto,
  CustomerWriteResponseDto,
} from './dto/customer.response.dto';

/** The customers API: translates HTTP to commands and queries; no business logic here. */
@ApiTags('customers')
@Controller('customers')
export class CustomersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Allow('teller')
  @ApiOperation({
    operationId: 'registerCustomer',
    summary: 'Register a customer; one customer per (normalised) document number',
  })
  @Creates<CustomerWriteResult>({
    status: 201,
    type: CustomerWriteResponseDto,
    description: 'The customer is registered',
    location: (result) => `/customers/${result.id}`,
    locationDescription: 'The new customer',
    locationExample: '/customers/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
  })
  @ApiWrite({ body: true, ifMatch: false, problems: ['DOCUMENT_ALREADY_REGISTERED'] })
  register(
    @Body() body: RegisterCustomerRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<CustomerWriteResult> {
    return this.commands.execute(
      new RegisterCustomerCommand(
        randomUUID(),
        body.name,
        body.email,
        body.documentNumber,
        context,
      ),
    );
  }

  @Get()
  @Allow('teller', 'auditor', 'customer')
  @ReadsProjection(CUSTOMER_SUMMARIES)
  @ApiOperation({
    operationId: 'listCustomers',
    summary:
      'Search customers by name or email prefix, from the customer-summaries read model (eventually consistent), in order of registration',
  })
  @ApiOkResponse({ type: CustomerPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  list(
    @Query() query: ListCustomersRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<CustomerPage> {
    return this.queries.execute(
      new ListCustomersQuery(query.query, query.limit ?? 50, query.cursor, scope),
    );
  }

  @Get(':id')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    operationId: 'getCustomer',
    summary: 'The customer, folded from its stream; ETag is its version',
  })
  @ApiVersionedRead(CustomerResponseDto, 'The customer')
  @ApiProblems('INVALID_ID', 'CUSTOMER_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async get(
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) response: Response,
    @CallerScope() scope: AccessScope,
  ): Promise<CustomerView> {
    const customer = await this.queries.execute(new GetCustomerQuery(id, scope));
    response.setHeader('ETag', versionTag(customer.version));
    return customer;
  }

  @Post(':id/contact-details')
  @Allow('teller', 'customer')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'changeContactDetails',
    summary: "Change the customer's name and email",
  })
  @ApiOkResponse({ type: CustomerWriteResponseDto })
  @ApiWrite({ body: true, ifMatch: true, problems: ['INVALID_ID', 'CUSTOMER_NOT_FOUND'] })
  changeContactDetails(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: ChangeContactDetailsRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<CustomerWriteResult> {
    return this.commands.execute(
      new ChangeContactDetailsCommand(id, body.name, body.email, context),
    );
  }

  @Post(':id/unregister')
  @NoBody()
  @Allow('teller')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'unregisterCustomer',
    summary: 'Unregister a customer with no open accounts; the document number becomes free again',
  })
  @ApiOkResponse({ type: CustomerWriteResponseDto })
  @ApiWrite({
    body: false,
    ifMatch: true,
    problems: ['INVALID_ID', 'CUSTOMER_NOT_FOUND', 'CUSTOMER_HAS_OPEN_ACCOUNTS'],
  })
  unregister(
    @Param('id', UuidParamPipe) id: string,
    @WriteContext() context: CommandContext,
  ): Promise<CustomerWriteResult> {
    return this.commands.execute(new UnregisterCustomerCommand(id, context));
  }

  @Post(':id/erase')
  @NoBody()
  @Allow('teller', 'admin', 'customer')
  @ApiOperation({
    operationId: 'eraseCustomer',
    summary:
      "Erase the customer's personal data (GDPR art. 17): their data key is deleted, so every copy reads as null",
    description:
      'Needs no open accounts (409 CUSTOMER_HAS_OPEN_ACCOUNTS). Appends CustomerErased, releases the ' +
      'document number (it can be registered again) and deletes the data key its personal fields ' +
      'were sealed with. A customer may erase themselves. Idempotent: a repeat answers 202 and ' +
      'writes nothing.',
  })
  @Creates<CustomerWriteResult>({
    status: 202,
    type: CustomerWriteResponseDto,
    description: 'The erasure is recorded; the read models follow',
    location: (result) => `/customers/${result.id}`,
    locationDescription: 'The customer, whose status reads ERASED',
    locationExample: '/customers/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
  })
  @ApiWrite({
    body: false,
    ifMatch: true,
    problems: ['INVALID_ID', 'CUSTOMER_NOT_FOUND', 'CUSTOMER_HAS_OPEN_ACCOUNTS'],
  })
  erase(
    @Param('id', UuidParamPipe) id: string,
    @WriteContext() context: CommandContext,
  ): Promise<CustomerWriteResult> {
    return this.commands.execute(new EraseCustomerCommand(id, context));
  }
}
