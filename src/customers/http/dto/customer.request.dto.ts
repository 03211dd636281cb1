import { PageRequestDto } from '../../../common/pagination/page.request.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { isValidDocumentNumber } from '../../domain/document-number';

const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/** 4-32 letters and digits once spaces and dashes are removed; only those characters. */
function IsDocumentNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDocumentNumber',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          /^[A-Za-z0-9 -]{1,64}$/.test(value) &&
          isValidDocumentNumber(value),
        defaultMessage: () =>
          'documentNumber must be 4-32 letters and digits; spaces and dashes are allowed and ignored',
      },
    },
    options,
  );
}

class ContactDetailsDto {
  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 200 })
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}

export class RegisterCustomerRequestDto extends ContactDetailsDto {
  @ApiProperty({
    example: 'AB-123 456',
    description:
      'Identity document number; compared normalised (trimmed, upper case, spaces and dashes removed): one customer per number',
  })
  @IsString()
  @IsDocumentNumber()
  documentNumber!: string;
}

export class ChangeContactDetailsRequestDto extends ContactDetailsDto {}

export class ListCustomersRequestDto extends PageRequestDto {
  @ApiPropertyOptional({
    description: 'Case-insensitive prefix of the name or the email',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  query?: string;
}
