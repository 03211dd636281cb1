import { DynamicModule, Module } from '@nestjs/common';
import { SagaOptions } from './saga-options';
import { SagasService } from './sagas.service';

/** Sends the commands of every `@Saga()` in the application, durably (see SagasService). */
@Module({})
export class SagasModule {
  static forRoot(options: SagaOptions): DynamicModule {
    return {
      module: SagasModule,
      providers: [{ provide: SagaOptions, useValue: options }, SagasService],
    };
  }
}
