import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { CustomerWriteResult } from './customer-command.results';

export class RegisterCustomerCommand extends Command<CustomerWriteResult> {
  constructor(
    readonly customerId: string,
    readonly name: string,
    readonly email: string,
    /** As sent; normalised by the handler. */
    readonly documentNumber: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
