import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { RuntimeController } from './runtime.controller';
import { ShutdownState } from './shutdown-state';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, RuntimeController],
  // main.ts sets it on SIGTERM/SIGINT (app.get); readiness reads it.
  providers: [ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
