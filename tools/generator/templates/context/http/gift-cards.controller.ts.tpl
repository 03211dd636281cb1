import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Allow } from '../../auth/access-policy.decorator';
import { CommandContext } from '../../common/commands/command-context';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { ApiVersionedRead } from '../../common/http/api-versioned-read.decorator';
import { ApiWrite } from '../../common/http/api-write.decorator';
import { WriteContext } from '../../common/http/command-context.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { versionTag } from '../../common/http/if-match';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageRequestDto } from '../../common/pagination/page.request.dto';
import { ReadsProjection } from '../../projections/read-your-writes';
import { CreateGiftCardCommand } from '../commands/create-gift-card.command';
import { GiftCardWriteResult } from '../commands/gift-card-command.results';
import { GIFT_CARD_SUMMARIES } from '../projections/gift-card-summaries.projection';
import { GetGiftCardQuery } from '../queries/get-gift-card.query';
import { GiftCardPage, GiftCardView } from '../queries/gift-card.views';
import { ListGiftCardsQuery } from '../queries/list-gift-cards.query';
import { CreateGiftCardRequestDto } from './dto/create-gift-card.request.dto';
import {
  GiftCardPageDto,
  GiftCardResponseDto,
  GiftCardWriteResponseDto,
} from './dto/gift-card.response.dto';

/** The gift cards API: translates HTTP to commands and queries; no business logic here. */
@ApiTags('gift-cards')
@Controller('gift-cards')
export class GiftCardsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Allow('teller')
  @ApiOperation({ operationId: 'createGiftCard', summary: 'Create a gift card' })
  @Creates<GiftCardWriteResult>({
    status: 201,
    type: GiftCardWriteResponseDto,
    description: 'The gift card is created',
    location: (result) => `/gift-cards/${result.id}`,
    locationDescription: 'The new gift card',
    locationExample: '/gift-cards/5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21',
  })
  @ApiWrite({ body: true, ifMatch: false, problems: [] })
  create(
    @Body() body: CreateGiftCardRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<GiftCardWriteResult> {
    return this.commands.execute(new CreateGiftCardCommand(randomUUID(), body.title, context));
  }

  @Get()
  @Allow('teller', 'auditor')
  @ReadsProjection(GIFT_CARD_SUMMARIES)
  @ApiOperation({
    operationId: 'listGiftCards',
    summary:
      'List gift cards from the gift-card-summaries read model, oldest first (eventually consistent; see X-Min-Position)',
  })
  @ApiOkResponse({ type: GiftCardPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  list(@Query() page: PageRequestDto): Promise<GiftCardPage> {
    return this.queries.execute(new ListGiftCardsQuery(page.limit ?? 50, page.cursor));
  }

  @Get(':id')
  @Allow('teller', 'auditor')
  @ApiOperation({
    operationId: 'getGiftCard',
    summary: 'The gift card, folded from its event stream; ETag is its version',
  })
  @ApiVersionedRead(GiftCardResponseDto, 'The gift card')
  @ApiProblems('INVALID_ID', 'NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async get(
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<GiftCardView> {
    const giftCard = await this.queries.execute(new GetGiftCardQuery(id));
    response.setHeader('ETag', versionTag(giftCard.version));
    return giftCard;
  }
}
