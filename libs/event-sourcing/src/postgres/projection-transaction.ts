import { QueryRunner } from 'typeorm';
import { ProjectionTransaction, quoteIdentifier } from '../projections/projection';

/** A projection's view of a TypeORM transaction; `physical` maps its table names (rebuilds). */
export function projectionTransaction(
  queryRunner: QueryRunner,
  physical: (table: string) => string = (table) => table,
): ProjectionTransaction {
  return {
    async query<Row>(sql: string, parameters?: unknown[]): Promise<Row[]> {
      const result = await queryRunner.query(sql, parameters, true);
      return result.records as Row[];
    },
    table: (name: string) => quoteIdentifier(physical(name)),
  };
}
