import { ApiProperty } from '@nestjs/swagger';
import { streamVersion } from '../../../common/http/api-numbers';

export class PersonalFieldSourceDto {
  @ApiProperty({ enum: ['event'], description: 'Held in a recorded event of the book of record' })
  kind!: 'event';
  @ApiProperty({ example: 'customer-6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f' }) streamId!: string;
  @ApiProperty(streamVersion('Version of the event in its stream', 1)) streamVersion!: number;
  @ApiProperty({ example: 'CustomerRegistered' }) eventType!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
}

export class PersonalFieldDto {
  @ApiProperty({ example: 'name', description: 'The declared personal field of the event' })
  field!: string;
  @ApiProperty({ example: 'Ada Lovelace', description: 'As held, decrypted' }) value!: string;
  @ApiProperty({ type: PersonalFieldSourceDto }) source!: PersonalFieldSourceDto;
}

export class CustomerSummaryPersonalDataDto {
  @ApiProperty({ type: String, nullable: true, description: 'Null once erased' })
  name!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Null once erased' })
  email!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Normalised; null once erased' })
  documentNumber!: string | null;
}

export class ReadModelPersonalDataDto {
  @ApiProperty({ enum: ['customer_summaries'] }) table!: 'customer_summaries';
  @ApiProperty({ type: CustomerSummaryPersonalDataDto }) fields!: CustomerSummaryPersonalDataDto;
}

export class PersonalDataExportDto {
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ enum: ['ACTIVE', 'UNREGISTERED', 'ERASED'] }) status!: string;
  @ApiProperty({ description: 'True once the personal data is erased (GDPR art. 17)' })
  erased!: boolean;
  @ApiProperty({
    type: [PersonalFieldDto],
    description:
      'Every readable personal value of every event about the customer (each historic value, ' +
      'one entry per event and field); empty once erased',
  })
  fields!: PersonalFieldDto[];
  @ApiProperty({
    type: [ReadModelPersonalDataDto],
    description:
      "The customer's read-model rows: their customer_summaries row (fields null once " +
      'erased); empty while the projection has not yet applied the registration',
  })
  readModels!: ReadModelPersonalDataDto[];
}
