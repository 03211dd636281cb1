import { MultiStreamAppendResult } from '@ledgerline/event-sourcing';
import { customerStreamId } from '../domain/customer.state';

/** Response of a customer write: the customer stream's version and the global position. */
export type CustomerWriteResult = { id: string; version: number; position: string | null };

/** The customer stream's part of a (multi-stream) append; `current` when nothing was written. */
export const toCustomerWriteResult =
  (customerId: string, current: () => number) =>
  (appended: MultiStreamAppendResult | null): CustomerWriteResult => {
    const mine = appended?.streams.find((s) => s.streamId === customerStreamId(customerId));
    return {
      id: customerId,
      version: mine?.nextExpectedVersion ?? current(),
      position: appended ? appended.lastPosition.globalPosition.toString() : null,
    };
  };
