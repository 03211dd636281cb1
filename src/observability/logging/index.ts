export { loggedPath } from './access-log';
export { parseLoggingSettings } from './log-settings';
export type { LoggingSettings } from './log-settings';
export { requestLogging, startLogging } from './logging';
export type { AppLogging } from './logging';
export { CORRELATION_ID_HEADER, REQUEST_ID_HEADER, requestIdsOf } from './request-ids';
export type { RequestIds } from './request-ids';
