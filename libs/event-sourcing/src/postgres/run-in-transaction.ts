import { DataSource, QueryRunner } from 'typeorm';
import { CommitOutcomeUnknownError } from '../core/errors';
import { isDatabaseUnavailable } from './pg-errors';

/**
 * Runs `work` in one transaction on a dedicated connection and always releases it cleanly.
 * When the session is lost, the error that lost it is thrown, not the failed rollback's;
 * lost during COMMIT, a CommitOutcomeUnknownError (the transaction may have committed).
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
    let committing = false;
    try {
      const result = await work(queryRunner);
      committing = true;
      await queryRunner.commitTransaction();
      return result;
    } catch (error) {
      if (committing && isDatabaseUnavailable(error)) throw new CommitOutcomeUnknownError(error);
      // A rollback on a lost session fails too; the first error says what happened.
      if (queryRunner.isTransactionActive && !queryRunner.isReleased)
        await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await queryRunner.release();
  }
}
