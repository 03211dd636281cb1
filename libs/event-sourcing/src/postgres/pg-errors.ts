/** The SQLSTATE, constraint and detail of a PostgreSQL error, wherever TypeORM wrapped it. */
export function pgErrorDetails(error: unknown): {
  code?: string;
  constraint?: string;
  detail?: string;
} {
  if (typeof error !== 'object' || error === null) return {};
  const driverError: unknown = 'driverError' in error ? error.driverError : error;
  if (typeof driverError !== 'object' || driverError === null) return {};
  const code =
    'code' in driverError && typeof driverError.code === 'string' ? driverError.code : undefined;
  const constraint =
    'constraint' in driverError && typeof driverError.constraint === 'string'
      ? driverError.constraint
      : undefined;
  const detail =
    'detail' in driverError && typeof driverError.detail === 'string'
      ? driverError.detail
      : undefined;
  return { code, constraint, detail };
}

export const UNIQUE_VIOLATION = '23505';
