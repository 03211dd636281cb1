import { DataSource, QueryRunner } from 'typeorm';

/**
 * Runs `work` in one transaction on a dedicated connection and always releases it cleanly.
 * A failed statement rolls back and releases the connection WITHOUT an error, so the pool
 * keeps it: pg-pool destroys a client released with an error, and a version conflict is
 * an ordinary outcome here, not a broken connection.
 */
export async function runInTransaction<T>(
  dataSource: DataSource,
  work: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.startTransaction();
    try {
      const result = await work(queryRunner);
      await queryRunner.commitTransaction();
      return result;
    } catch (error) {
      if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction();
      throw error;
    }
  } finally {
    await queryRunner.release();
  }
}
