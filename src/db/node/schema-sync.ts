// Schema propagation between nodes. Every node gossips its schema version (SCHEMA, a digest
// of the merged content); a DDL statement pushes this node's schema rows to every live peer
// (SCHEMA_PUSH), and a node that sees a peer with another version pulls the peer's rows
// (SCHEMA_PULL), merges them and pushes its own back when the peer lacks some, so a node that
// was down during a change, or a new node, catches up. Rows merge cell by cell by write time
// (schema-rows.ts): two DDL statements at once through different nodes both survive when
// they touch different keyspaces, tables, columns or types, and the same object converges to
// the later one. A peer still on the first format sends one document with the time of its
// last change; it merges as rows written at that time.

import { ConfigurationError, CorruptionError } from '../common/errors.js';
import type { TimerHandle, World } from '../common/world.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { Gossiper } from '../cluster/gossip/gossiper.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import { decodeSchemaDocument, encodeSchemaDocument } from '../cluster/messaging/payloads.js';
import type { SchemaChange } from '../protocol/messages.js';
import { checkDocument } from '../schema/schema-document.js';
import type { Schema } from '../schema/schema.js';

export interface SchemaSyncOptions {
  world: World;
  schema: Schema;
  gossiper: Gossiper;
  messaging: MessagingService;
  /** Storage must open the tables of an adopted schema. */
  imported(): Promise<void>;
}

/** What nodes exchange: the sender's version and every schema row it holds. */
interface Envelope {
  format: 2;
  version: string;
  rows: unknown;
}

const checkIntervalMs = 1000;

export class SchemaSync {
  private importing = false;
  private busy: Promise<void> = Promise.resolve();
  private working = false;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private pendingPush: TimerHandle | undefined;

  constructor(private readonly options: SchemaSyncOptions) {}

  start(): Promise<void> {
    const { schema, messaging } = this.options;
    messaging.registerHandler('SCHEMA_PULL', () => this.payload());
    messaging.registerHandler('SCHEMA_PUSH', async (message) => {
      await this.merge(message.payload, message.from);
      return undefined;
    });
    schema.onChange(() => {
      if (!this.importing) this.localChange();
    });
    this.schedule();
    return Promise.resolve();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.pendingPush?.cancel();
  }

  private payload(): Buffer {
    const envelope: Envelope = { format: 2, version: this.options.schema.schemaVersion(), rows: this.options.schema.exportRows() };
    return encodeSchemaDocument(JSON.stringify(envelope));
  }

  /** A DDL statement ran here: announced and pushed once it settles. */
  private localChange(): void {
    this.pendingPush?.cancel();
    // The statement's listeners and its save run first; then the new version goes out.
    this.pendingPush = this.options.world.clock.setTimer(0, () => {
      this.serialized(async () => {
        this.options.gossiper.setApplicationState('SCHEMA', this.options.schema.schemaVersion());
        const payload = this.payload();
        const peers = this.options.gossiper.liveEndpoints().filter((endpoint) => endpoint !== this.options.messaging.localEndpoint);
        await Promise.allSettled(peers.map((peer) => this.options.messaging.sendRequest(peer, 'SCHEMA_PUSH', payload)));
      });
    });
  }

  /** Merges a peer's rows (or a first-format document) into ours; returns the peer's version. */
  private async merge(payload: Buffer, from: Endpoint): Promise<string> {
    const { schema, world, gossiper } = this.options;
    const source = `schema from ${from}`;
    let parsed: Partial<Envelope> & { changedMs?: unknown; schema?: unknown };
    try {
      parsed = JSON.parse(decodeSchemaDocument(payload, source)) as typeof parsed;
    } catch (error) {
      if (error instanceof SyntaxError) throw new CorruptionError(source, 0, `schema rows are not valid JSON: ${error.message}`);
      throw error;
    }
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.version !== 'string') throw new ConfigurationError('schema', `malformed schema rows from ${from}`);
    let changes: SchemaChange[];
    this.importing = true;
    try {
      if (parsed.format === 2) {
        changes = schema.mergeRows(parsed.rows, source);
      } else if (typeof parsed.changedMs === 'number' && typeof parsed.schema === 'string') {
        changes = schema.mergeDocument(checkDocument(source, JSON.parse(parsed.schema) as object), parsed.changedMs);
      } else {
        throw new ConfigurationError('schema', `malformed schema rows from ${from}`);
      }
    } finally {
      this.importing = false;
    }
    if (changes.length > 0) {
      await schema.save();
      await this.options.imported();
      gossiper.setApplicationState('SCHEMA', schema.schemaVersion());
      world.logger.info('merged the schema of a peer', { from, version: schema.schemaVersion(), changes: changes.length });
    }
    return parsed.version;
  }

  private serialized(work: () => Promise<void>): void {
    this.busy = this.busy.then(work).catch((error: unknown) => this.options.world.logger.warn('schema sync failed', { error }));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.world.clock.setTimer(checkIntervalMs, () => {
      if (this.working) { this.schedule(); return; }
      this.working = true;
      this.serialized(() => this.check().finally(() => { this.working = false; this.schedule(); }));
    });
  }

  /** Pulls from one live peer whose version differs and merges; pushes ours back when the peer still lacks some of it. */
  private async check(): Promise<void> {
    const { gossiper, messaging, schema } = this.options;
    const local = schema.schemaVersion();
    const differing = gossiper.liveEndpoints().filter((endpoint) => endpoint !== messaging.localEndpoint
      && (gossiper.endpointState(endpoint)?.states.get('SCHEMA')?.value ?? local) !== local);
    const peer = differing[0];
    if (peer === undefined) return;
    const response = await messaging.sendRequest(peer, 'SCHEMA_PULL', Buffer.alloc(0));
    const remoteVersion = await this.merge(response.payload, peer);
    if (remoteVersion !== schema.schemaVersion()) await messaging.sendRequest(peer, 'SCHEMA_PUSH', this.payload());
  }
}
