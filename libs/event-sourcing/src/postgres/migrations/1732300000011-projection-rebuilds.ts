import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cluster-wide rebuild guard: one row per projection being rebuilt, claimed in one
 * statement by whichever instance (app or CLI) starts the rebuild. `claim` is the holder's
 * fencing token; `lease_until` is renewed while the rebuild runs, so a crashed rebuilder's
 * row expires and stops blocking. Every instance reads its status from here.
 */
export class ProjectionRebuilds1732300000011 implements MigrationInterface {
  name = 'ProjectionRebuilds1732300000011';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projection_rebuilds (
        name        text        PRIMARY KEY,
        claim       uuid        NOT NULL,
        claimed_by  text        NOT NULL,
        started_at  timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz NOT NULL,
        position    bigint      NOT NULL DEFAULT 0,
        head        bigint      NOT NULL DEFAULT 0
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE projection_rebuilds`);
  }
}
