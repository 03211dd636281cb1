export * from './checkpoint-signer';
export * from './audit-checkpointer';
export * from './verify-event-log';
export * from './rechain-event-log';
export type { Queryable } from './tamper-evidence.sql';
