import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The subjects whose data key was erased. Without this row, a write decided before the
 * erasure and retried after it would create the subject a fresh key, and the fields sealed
 * with the old one would then fail to open instead of reading as erased.
 */
export class PersonalDataErasures1732300000020 implements MigrationInterface {
  name = 'PersonalDataErasures1732300000020';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pii_erased_subjects (
        subject_id text        PRIMARY KEY,
        erased_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pii_erased_subjects`);
  }
}
