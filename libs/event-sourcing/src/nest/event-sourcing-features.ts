import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { JsonValue } from '../core/json';
import { Upcaster } from '../core/upcasting';
import { IntegrationEvent, IntegrationEventMapper } from '../outbox/outbox-message';
import { processManagerProjection } from '../postgres/postgres-process-managers';
import { Projection } from '../projections/projection';
import { ProcessManager } from '../sagas/process-manager';
import { discoverRegistrations } from './feature-registrations';

/**
 * What one feature module (a bounded context) brings to the event-sourcing machinery,
 * registered with `EventSourcingModule.forFeature`.
 */
export interface EventSourcingFeature {
  /** Names the feature in errors (a context's name). */
  readonly name: string;
  /** Its read models, run by the application's projection runners. */
  readonly projections?: readonly Projection[];
  /** Its durable process managers (each run as a projection of the same name). */
  readonly processManagers?: readonly ProcessManager<JsonValue>[];
  /** Bring its old events to their current shape on every read. */
  readonly upcasters?: readonly Upcaster[];
  /** Its domain events -> its public integration events, written to the outbox on append. */
  readonly outbox?: IntegrationEventMapper;
}

export const EVENT_SOURCING_FEATURE = 'event-sourcing-feature';

const isFeature = (value: unknown): value is EventSourcingFeature =>
  typeof value === 'object' && value !== null && 'name' in value && typeof value.name === 'string';

/**
 * The features registered anywhere in the application, and what they add up to: every
 * projection (process managers included), every upcaster, one outbox mapping. Provided by
 * `EventSourcingModule` (and by an application's own event-store module) to build the store
 * and the projection runners from.
 */
@Injectable()
export class EventSourcingFeatures {
  constructor(private readonly discovery: DiscoveryService) {}

  list(): EventSourcingFeature[] {
    return discoverRegistrations(this.discovery, EVENT_SOURCING_FEATURE, isFeature);
  }

  /** @throws when two features register projections of one name (one checkpoint) */
  projections(): Projection[] {
    const owners = new Map<string, string>();
    const projections: Projection[] = [];
    for (const feature of this.list())
      for (const projection of [
        ...(feature.projections ?? []),
        ...(feature.processManagers ?? []).map((manager) => processManagerProjection(manager)),
      ]) {
        const owner = owners.get(projection.name);
        if (owner !== undefined)
          throw new Error(
            `projection ${projection.name} is registered by ${owner} and by ${feature.name}: ` +
              'a projection name is its checkpoint, and must be unique',
          );
        owners.set(projection.name, feature.name);
        projections.push(projection);
      }
    return projections;
  }

  upcasters(): Upcaster[] {
    return this.list().flatMap((feature) => feature.upcasters ?? []);
  }

  /**
   * One mapper: `first`, then each feature's in module order (a feature maps only its own
   * events). Undefined when nothing maps: the store then writes no outbox rows at all.
   */
  outbox(first?: IntegrationEventMapper): IntegrationEventMapper | undefined {
    const mappers = [
      ...(first ? [first] : []),
      ...this.list().flatMap((feature) => (feature.outbox ? [feature.outbox] : [])),
    ];
    if (mappers.length === 0) return undefined;
    if (mappers.length === 1) return mappers[0];
    return (event) => {
      const messages: IntegrationEvent[] = [];
      for (const mapper of mappers) messages.push(...mapper(event));
      return messages;
    };
  }
}
