import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One data key per subject (customer), wrapped with the master key: personal data is sealed
 * with the subject's data key, so deleting its row erases that data wherever copies of it
 * live (events, read models, backups). The check row tells at start-up whether the master key
 * given is the one the data keys were wrapped with. `master_key_id` names a master key (a
 * hash prefix, not the key) so a rotation can tell done rows from pending ones.
 */
export class PersonalDataKeys1732300000018 implements MigrationInterface {
  name = 'PersonalDataKeys1732300000018';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pii_data_keys (
        subject_id    text        PRIMARY KEY,
        wrapped_key   bytea       NOT NULL,
        master_key_id text        NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        rotated_at    timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE pii_master_key_check (
        id            smallint    PRIMARY KEY CHECK (id = 1),
        master_key_id text        NOT NULL,
        check_value   bytea       NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pii_master_key_check`);
    await queryRunner.query(`DROP TABLE pii_data_keys`);
  }
}
