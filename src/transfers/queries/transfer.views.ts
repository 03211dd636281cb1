import { TransferStatus } from '../domain/transfer.state';

export type TransferView = {
  id: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  status: TransferStatus;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
};

export type TransferPage = { items: TransferView[]; nextCursor: string | null };
