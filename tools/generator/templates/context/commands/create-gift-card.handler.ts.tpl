import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCreateGiftCard } from '../domain/gift-card.decide';
import { giftCardStreamId } from '../domain/gift-card.state';
import { GIFT_CARD_COMMANDS } from '../gift-cards.tokens';
import { GiftCardCommands } from '../gift-cards.repository';
import { CreateGiftCardCommand } from './create-gift-card.command';
import { GiftCardWriteResult, toGiftCardWriteResult } from './gift-card-command.results';

/** Load, decide, append (guarded by the version it loaded), retry on a conflict. */
@CommandHandler(CreateGiftCardCommand)
export class CreateGiftCardHandler implements ICommandHandler<CreateGiftCardCommand> {
  constructor(@Inject(GIFT_CARD_COMMANDS) private readonly commands: GiftCardCommands) {}

  execute({ giftCardId, title, context }: CreateGiftCardCommand): Promise<GiftCardWriteResult> {
    return this.commands.execute({
      streamId: giftCardStreamId(giftCardId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) => decideCreateGiftCard({ giftCardId, title }, state),
      result: toGiftCardWriteResult(giftCardId),
    });
  }
}
