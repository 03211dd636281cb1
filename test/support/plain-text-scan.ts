import { DataSource } from 'typeorm';

/** Each value as given, upper case, lower case, and without its punctuation and spaces. */
export const spellingsOf = (values: readonly string[]): string[] => [
  ...new Set(values.flatMap((v) => [v, v.toUpperCase(), v.toLowerCase(), v.replace(/[\W_]/g, '')])),
];

/**
 * Each text, JSON or byte column of each table of the schema that holds one of `needles`
 * (compared case-insensitively), as `<table>.<column> holds <needle>`.
 */
export async function plainTextFound(
  dataSource: DataSource,
  needles: readonly string[],
): Promise<string[]> {
  const columns = await dataSource.query<{ table: string; column: string; type: string }[]>(
    `SELECT c.table_name AS "table", c.column_name AS "column", c.data_type AS type
       FROM information_schema.columns c
       JOIN information_schema.tables t
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')`,
  );
  if (columns.length < 20) throw new Error(`only ${columns.length} columns to scan: wrong schema?`);
  const found: string[] = [];
  for (const { table, column, type } of columns) {
    const text = type === 'bytea' ? `encode("${column}", 'escape')` : `"${column}"::text`;
    for (const needle of needles) {
      const [{ n }] = await dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${table}" WHERE ${text} ILIKE '%' || $1 || '%'`,
        [needle],
      );
      if (n > 0) found.push(`${table}.${column} holds ${needle}`);
    }
  }
  return found;
}
