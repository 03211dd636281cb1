import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/** A value a feature module registered for one kind of collector (see `registrationModule`). */
class Registration {
  constructor(
    readonly kind: string,
    readonly value: unknown,
  ) {}
}

/** The module `registrationModule` returns: it only carries its registration's provider. */
@Module({})
class FeatureRegistrationModule {}

// Each registration gets its own token: two registrations that print alike (Nest hashes a
// dynamic module's metadata to tell modules apart) must not be taken for one.
let registered = 0;

/**
 * A module that registers `value` under `kind`, to be found by `discoverRegistrations` from
 * wherever the importing module sits in the application's module graph. This is how a
 * feature module adds its part (its projections, its upcasters, its outbox mapping) to a
 * collector that lives elsewhere, without a central list that names every feature.
 */
export function registrationModule(kind: string, value: unknown): DynamicModule {
  registered += 1;
  return {
    module: FeatureRegistrationModule,
    providers: [
      { provide: `ledgerline:${kind}:${registered}`, useValue: new Registration(kind, value) },
    ],
  };
}

/**
 * Every value registered under `kind` in the application, in module order. Registrations are
 * value providers: they are found from any provider's factory, before anything is
 * instantiated.
 */
export function discoverRegistrations<Value>(
  discovery: DiscoveryService,
  kind: string,
  isValue: (value: unknown) => value is Value,
): Value[] {
  const found: Value[] = [];
  for (const wrapper of discovery.getProviders()) {
    const instance: unknown = wrapper.instance;
    if (!(instance instanceof Registration) || instance.kind !== kind) continue;
    if (!isValue(instance.value))
      throw new Error(`a registration of ${kind} does not hold what ${kind} takes`);
    found.push(instance.value);
  }
  return found;
}
