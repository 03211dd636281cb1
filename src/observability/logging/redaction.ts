// Personal data of customers (README "Personal data") and credentials: whatever object a log
// call is handed, these fields are replaced by "[redacted]". Nothing logs request bodies or
// headers today (the access line is built field by field); this is the net under that rule,
// for the object someone passes to a log call some day.
const PERSONAL = ['name', 'email', 'documentNumber', 'document_number'];
const SECRETS = ['authorization', 'cookie', 'password', 'token', 'accessToken', 'access_token'];

/** pino `redact` paths: each field at the top level and up to two objects deep. */
export const REDACTED_PATHS: readonly string[] = [
  ...[...PERSONAL, ...SECRETS].flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  '*.headers["set-cookie"]',
];
