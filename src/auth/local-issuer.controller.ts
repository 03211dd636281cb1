import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JSONWebKeySet } from 'jose';
import { ApiProblems } from '../common/http/api-problems.decorator';
import { Public } from './access-policy.decorator';
import { AUTH_SETTINGS } from './auth.tokens';
import { AuthSettings } from './auth-settings';
import { localIssuerKey } from './local-issuer-key';

/** The local development issuer's public keys, as an OIDC issuer publishes them. */
@ApiTags('auth')
@Controller('auth')
export class LocalIssuerController {
  constructor(@Inject(AUTH_SETTINGS) private readonly settings: AuthSettings) {}

  @Get('jwks.json')
  @Public()
  @ApiOperation({
    operationId: 'getSigningKeys',
    summary:
      "The local development issuer's JWKS (only when AUTH_JWKS_URL is unset; tokens come from `npm run token`)",
  })
  @ApiOkResponse({
    description: 'A JSON Web Key Set (RFC 7517) with one ES256 public key',
    schema: {
      type: 'object',
      required: ['keys'],
      properties: {
        keys: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: true,
            properties: { kty: { type: 'string', example: 'EC' }, kid: { type: 'string' } },
          },
        },
      },
    },
  })
  @ApiProblems('INTERNAL_ERROR')
  async jwks(): Promise<JSONWebKeySet> {
    const key = await localIssuerKey(this.settings.localKeyFile);
    return { keys: [key.publicJwk] };
  }
}
