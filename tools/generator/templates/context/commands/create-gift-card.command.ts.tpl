import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { GiftCardWriteResult } from './gift-card-command.results';

export class CreateGiftCardCommand extends Command<GiftCardWriteResult> {
  constructor(
    readonly giftCardId: string,
    readonly title: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
