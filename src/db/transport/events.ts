// Server-pushed events (spec 4.2.6): one subscription to the handler per server, fanned out to
// the connections that REGISTERed for each event type.

import { protocolError } from '../common/errors.js';
import type { EventMessage, EventType } from '../protocol/messages.js';
import type { QueryHandler } from './query-handler.js';

const eventTypes: ReadonlySet<string> = new Set<EventType>(['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE']);

/** Validates a REGISTER message's event names. */
export function parseEventTypes(names: string[]): Set<EventType> {
  const types = new Set<EventType>();
  for (const name of names) {
    if (!eventTypes.has(name)) throw protocolError(`Invalid value '${name}' for Type`);
    types.add(name as EventType);
  }
  return types;
}

export interface EventSubscriber {
  sendEvent(event: EventMessage): void;
}

export class EventHub {
  private readonly subscribers = new Map<EventSubscriber, Set<EventType>>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly handler: QueryHandler) {}

  register(subscriber: EventSubscriber, types: Set<EventType>): void {
    const existing = this.subscribers.get(subscriber);
    if (existing === undefined) this.subscribers.set(subscriber, new Set(types));
    else for (const type of types) existing.add(type);
    // Subscribe lazily: a server nobody registered with costs the handler nothing.
    this.unsubscribe ??= this.handler.onEvent((event) => this.publish(event));
  }

  remove(subscriber: EventSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  close(): void {
    this.subscribers.clear();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private publish(event: EventMessage): void {
    for (const [subscriber, types] of this.subscribers) {
      if (types.has(event.type)) subscriber.sendEvent(event);
    }
  }
}
