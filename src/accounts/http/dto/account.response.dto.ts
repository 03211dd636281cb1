import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { HOLD_STATUSES, HoldStatus } from '../../domain/account.state';
import { count, logPosition, minorUnits, streamVersion } from '../../../common/http/api-numbers';

export class AccountWriteResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(streamVersion('Stream version after the command; send it back in If-Match'))
  version!: number;
  @ApiProperty(
    logPosition(
      'Global position of the last event (send as X-Min-Position); null when nothing changed',
      true,
    ),
  )
  position!: string | null;
}

/** An account's figures: what was recorded, what holds reserve, what may still be spent. */
export class AccountBalancesDto {
  @ApiProperty(minorUnits('Sum of the recorded movements; negative while overdrawn'))
  ledgerBalance!: number;
  @ApiProperty(minorUnits('What open holds reserve', 0)) heldAmount!: number;
  @ApiProperty(
    minorUnits('ledgerBalance - heldAmount; never below minus overdraftLimit through a debit'),
  )
  availableBalance!: number;
  @ApiProperty(minorUnits('How far below zero debits may take the balance (0: not at all)', 0))
  overdraftLimit!: number;
  @ApiProperty(
    minorUnits(
      'What withdrawals, transfers and new holds may still take: availableBalance + overdraftLimit',
    ),
  )
  spendableBalance!: number;
}

export class OverdraftLimitResponseDto extends IntersectionType(
  AccountWriteResponseDto,
  AccountBalancesDto,
) {}

export class MoneyMovementResponseDto {
  @ApiProperty(
    streamVersion('Stream version of the movement (its event: /accounts/{id}/events/{version})'),
  )
  version!: number;
  @ApiProperty(minorUnits('Balance after the movement')) balance!: number;
  @ApiProperty(logPosition('Global position of the event (send as X-Min-Position)', true))
  position!: string | null;
}

export class AccountResponseDto extends AccountBalancesDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty(minorUnits('The ledger balance (the same as ledgerBalance)')) balance!: number;
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: 'OPEN' | 'CLOSED';
  @ApiProperty(streamVersion('Stream version, also sent as the ETag')) version!: number;
}

export class BalanceAsOfResponseDto {
  @ApiProperty(minorUnits('Balance at that instant')) balance!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty(streamVersion('Stream version as of that instant')) version!: number;
}

export class AccountHistoryEntryDto {
  @ApiProperty(streamVersion('Stream version of the event')) version!: number;
  @ApiProperty(logPosition('Global position of the event')) position!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'MoneyDeposited' }) type!: string;
  @ApiProperty(count('Version of the event schema the data is in', 2)) schemaVersion!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The event as recorded (amounts in minor units)',
  })
  data!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ format: 'uuid' }) commandId!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty() causationId!: string;
  @ApiProperty({ example: 'user:teller-7' }) actor!: string;
  @ApiPropertyOptional({
    description:
      'W3C traceparent of the request or process step that recorded it; only when tracing was on',
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  })
  traceparent?: string;
}

export class AccountHistoryPageDto {
  @ApiProperty({ type: [AccountHistoryEntryDto], description: 'Oldest first' })
  items!: AccountHistoryEntryDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Send as cursor for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class StatementEntryDto {
  @ApiProperty({ format: 'date-time', description: 'When the movement occurred' }) at!: string;
  @ApiProperty({
    example: 'MoneyWithdrawn',
    description:
      'MoneyDeposited, MoneyWithdrawn, MoneyDebitedForTransfer, MoneyCreditedForTransfer or TransferDebitRefunded',
  })
  type!: string;
  @ApiProperty(minorUnits('Signed: negative for money out', -2500)) amount!: number;
  @ApiProperty(minorUnits('The balance after this movement', 7500)) runningBalance!: number;
  @ApiProperty(streamVersion('Its event: /accounts/{id}/events/{version}')) version!: number;
  @ApiPropertyOptional({
    example: 'invoice 2026-114',
    description: 'A deposit or withdrawal reference',
  })
  reference?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The transfer of a transfer movement' })
  transferId?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The other account of a transfer movement (the destination of money out, the source of money in)',
  })
  counterpartAccountId?: string;
}

export class StatementResponseDto {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty(minorUnits('The balance of everything that occurred before `from`', 10000))
  openingBalance!: number;
  @ApiProperty(minorUnits('openingBalance plus every entry', 7500)) closingBalance!: number;
  @ApiProperty({ type: [StatementEntryDto], description: 'The movements, in the account order' })
  entries!: StatementEntryDto[];
}

export class HoldResponseDto {
  @ApiProperty({ format: 'uuid', description: 'The hold id' }) id!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty(minorUnits('What the hold reserved', 4999)) amount!: number;
  @ApiProperty({ example: 'ACME BOOKS card 4417 authorisation' }) reason!: string;
  @ApiProperty({ enum: HOLD_STATUSES, example: 'OPEN' }) status!: HoldStatus;
  @ApiProperty({ format: 'date-time', description: 'When an uncaptured hold expires' })
  expiresAt!: string;
  @ApiProperty({
    ...minorUnits('What the capture took (the rest was released); null until captured', 4200),
    nullable: true,
  })
  capturedAmount!: number | null;
  @ApiProperty(streamVersion("The account's stream version after the hold's last event"))
  version!: number;
}

export class HoldWriteResponseDto extends HoldResponseDto {
  @ApiProperty(
    logPosition(
      'Global position of the last event (send as X-Min-Position); null when nothing changed',
      true,
    ),
  )
  position!: string | null;
}
