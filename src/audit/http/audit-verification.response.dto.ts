import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { count, logPosition, streamVersion } from '../../common/http/api-numbers';

const PROBLEMS = [
  'content-changed',
  'chain-broken',
  'missing-predecessor',
  'unexpected-event',
  'out-of-order',
  'checkpoint-mismatch',
  'bad-signature',
] as const;

export class BrokenLinkDto {
  @ApiProperty({
    enum: PROBLEMS,
    description:
      'content-changed: the event is not what was appended; chain-broken: it does not chain to the ' +
      'version before it; missing-predecessor: the version before it was removed; ' +
      'unexpected-event: no append wrote it; out-of-order: it comes before its predecessor in the ' +
      "log; checkpoint-mismatch: the log up to a signed checkpoint changed (e.g. a stream's last " +
      'event removed); bad-signature: a checkpoint is not signed with the key, or one is missing',
  })
  problem!: (typeof PROBLEMS)[number];
  @ApiPropertyOptional({
    description: 'The event, for a problem in a stream',
    example: 'account-5f0c…',
  })
  streamId?: string;
  @ApiPropertyOptional(streamVersion('The event, for a problem in a stream'))
  streamVersion?: number;
  @ApiPropertyOptional(logPosition("The event's position; for a checkpoint, the checkpoint's"))
  globalPosition?: string;
  @ApiPropertyOptional(logPosition('Its transaction id (the log is ordered by it, then position)'))
  transactionId?: string;
  @ApiPropertyOptional(count('The checkpoint, for a problem of a checkpoint', 12))
  checkpoint?: number;
  @ApiPropertyOptional(
    logPosition("For a checkpoint's problem: its range starts after this position"),
  )
  afterPosition?: string;
  @ApiProperty({ example: 'version 3 of the stream is missing' }) detail!: string;
}

export class AuditVerificationDto {
  @ApiProperty({ description: 'Every chain (and, for the whole log, every checkpoint) holds' })
  verified!: boolean;
  @ApiProperty(count('Events whose chain was checked', 120_000)) events!: number;
  @ApiProperty(count('Signed checkpoints checked (the whole log only)', 14)) checkpoints!: number;
  @ApiPropertyOptional({
    type: BrokenLinkDto,
    description: 'The first problem; absent when verified',
  })
  firstBrokenAt?: BrokenLinkDto;
}

/** The examples the document shows for 200. */
export const AUDIT_VERIFICATION_EXAMPLES = {
  verified: {
    summary: 'The whole log verifies',
    value: { verified: true, events: 120000, checkpoints: 14 },
  },
  removed: {
    summary: 'An event was deleted from the middle of a stream',
    value: {
      verified: false,
      events: 119999,
      checkpoints: 0,
      firstBrokenAt: {
        problem: 'missing-predecessor',
        streamId: 'account-5f0c2a57-4f7b-4a3e-9d4e-1b2c3d4e5f60',
        streamVersion: 4,
        globalPosition: '8812',
        transactionId: '90211',
        detail: 'version 3 of the stream is missing',
      },
    },
  },
  truncated: {
    summary: "A stream's last event was deleted after a checkpoint signed it",
    value: {
      verified: false,
      events: 119999,
      checkpoints: 6,
      firstBrokenAt: {
        problem: 'checkpoint-mismatch',
        checkpoint: 7,
        globalPosition: '70412',
        transactionId: '151873',
        afterPosition: '60398',
        detail:
          'the log up to position 70412 holds 69999 events and another digest; checkpoint 7 signed 70000 events (the change is after position 60398)',
      },
    },
  },
};
