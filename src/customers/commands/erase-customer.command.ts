import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { CustomerWriteResult } from './customer-command.results';

export class EraseCustomerCommand extends Command<CustomerWriteResult> {
  constructor(
    readonly customerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
