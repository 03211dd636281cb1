import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/access-policy.decorator';
import { CONSOLE_PAGE } from './public/console-page';
import { CONSOLE_SCRIPT } from './public/console-script';
import { CONSOLE_STYLES } from './public/console-styles';

/**
 * The operations console: a static page, its script and its styles. Public, because they
 * hold no data: the script asks for a bearer token and reads everything from the /admin/*
 * API with it, where the roles are checked. Not an API operation, so not in the OpenAPI
 * document.
 */
@ApiExcludeController()
@Controller('ops')
export class OpsConsoleController {
  @Get()
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return CONSOLE_PAGE;
  }

  @Get('console.js')
  @Public()
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return CONSOLE_SCRIPT;
  }

  @Get('console.css')
  @Public()
  @Header('Content-Type', 'text/css; charset=utf-8')
  styles(): string {
    return CONSOLE_STYLES;
  }
}
