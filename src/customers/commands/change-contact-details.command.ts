import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { CustomerWriteResult } from './customer-command.results';

export class ChangeContactDetailsCommand extends Command<CustomerWriteResult> {
  constructor(
    readonly customerId: string,
    readonly name: string,
    readonly email: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
