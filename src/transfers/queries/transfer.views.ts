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

/** A transfer still PENDING long after it started, with where its process stands. */
export type StuckTransferView = {
  id: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  createdAt: string;
  ageMs: number;
  /** The transfer process's phase; null before the process has seen the transfer. */
  phase: string | null;
  parkedCommands: number;
  pendingCommands: number;
};

export type StuckTransferPage = { items: StuckTransferView[]; nextCursor: string | null };
