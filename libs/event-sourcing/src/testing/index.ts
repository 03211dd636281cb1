export * from './given-when-then';
export * from './event-store.contract';
export * from './given-process';
export * from './process-steps';
export * from './virtual-clock';
