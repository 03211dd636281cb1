// The public surface of the transfers context: the only file other contexts may import.
export { TransfersModule } from './transfers.module';
export type { TransferOptions } from './transfers.tokens';
