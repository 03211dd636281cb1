import { Module } from '@nestjs/common';
import { OpsConsoleController } from './ops-console.controller';

/** The operations console at /ops (a page over the /admin/* API). */
@Module({ controllers: [OpsConsoleController] })
export class OpsModule {}
