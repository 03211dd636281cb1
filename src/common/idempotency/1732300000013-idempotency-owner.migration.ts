import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which app instance runs an in-flight Idempotency-Key execution, so a retry can take the key
 * over as soon as that instance is known dead instead of after the lease, and which claim it
 * is, so an execution that was taken over can no longer record its outcome over the newer
 * one's. Null on rows written before (they wait for their lease, as before).
 */
export class IdempotencyOwner1732300000013 implements MigrationInterface {
  name = 'IdempotencyOwner1732300000013';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE http_idempotency_keys ADD COLUMN owner_instance text, ADD COLUMN claim_token uuid`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE http_idempotency_keys DROP COLUMN owner_instance, DROP COLUMN claim_token`,
    );
  }
}
