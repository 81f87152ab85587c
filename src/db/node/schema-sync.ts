// Schema propagation between nodes. Every node gossips its schema version (SCHEMA); a DDL
// statement pushes the new schema document to every live peer (SCHEMA_PUSH), and a node that
// sees a peer with another version pulls the peer's document (SCHEMA_PULL), so a node that
// was down during a change, or a new node, catches up. Documents carry the time of their last
// change; the later one wins (ties: the larger version), whole-schema last-writer-wins: two
// DDL statements at once on different nodes keep only one, a known limitation.

import { ConfigurationError } from '../common/errors.js';
import type { TimerHandle, World } from '../common/world.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { Gossiper } from '../cluster/gossip/gossiper.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import { decodeSchemaDocument, encodeSchemaDocument } from '../cluster/messaging/payloads.js';
import type { Schema } from '../schema/schema.js';
import { writeSmallFile } from './small-file.js';

export interface SchemaSyncOptions {
  world: World;
  schema: Schema;
  gossiper: Gossiper;
  messaging: MessagingService;
  dataDirectory: string;
  /** Storage must open the tables of an adopted schema. */
  imported(): Promise<void>;
}

interface Envelope {
  changedMs: number;
  version: string;
  schema: string;
}

const checkIntervalMs = 1000;

export class SchemaSync {
  private changedMs = 0;
  private importing = false;
  private busy: Promise<void> = Promise.resolve();
  private working = false;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private pendingPush: TimerHandle | undefined;

  constructor(private readonly options: SchemaSyncOptions) {}

  private get path(): string {
    return `${this.options.dataDirectory}/schema-changed-ms`;
  }

  async start(): Promise<void> {
    const { world, schema, messaging } = this.options;
    if (await world.disk.exists(this.path)) this.changedMs = Number((await world.disk.readFile(this.path)).toString('utf8')) || 0;
    messaging.registerHandler('SCHEMA_PULL', () => encodeSchemaDocument(JSON.stringify(this.envelope())));
    messaging.registerHandler('SCHEMA_PUSH', async (message) => {
      await this.consider(this.decode(message.payload, message.from), message.from);
      return undefined;
    });
    schema.onChange(() => {
      if (!this.importing) this.localChange();
    });
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.pendingPush?.cancel();
  }

  private envelope(): Envelope {
    return { changedMs: this.changedMs, version: this.options.schema.schemaVersion(), schema: this.options.schema.exportJson() };
  }

  private decode(payload: Buffer, from: Endpoint): Envelope {
    const parsed = JSON.parse(decodeSchemaDocument(payload, `schema from ${from}`)) as Partial<Envelope>;
    if (typeof parsed.changedMs !== 'number' || typeof parsed.version !== 'string' || typeof parsed.schema !== 'string') {
      throw new ConfigurationError('schema', `malformed schema document from ${from}`);
    }
    return { changedMs: parsed.changedMs, version: parsed.version, schema: parsed.schema };
  }

  /** A DDL statement ran here: newer than anything before, announced and pushed once it settles. */
  private localChange(): void {
    this.changedMs = Math.max(this.changedMs + 1, this.options.world.clock.nowMs());
    this.pendingPush?.cancel();
    // The statement's listeners and its save run first; then the new version goes out.
    this.pendingPush = this.options.world.clock.setTimer(0, () => {
      this.serialized(async () => {
        await this.persist();
        this.options.gossiper.setApplicationState('SCHEMA', this.options.schema.schemaVersion());
        const payload = encodeSchemaDocument(JSON.stringify(this.envelope()));
        const peers = this.options.gossiper.liveEndpoints().filter((endpoint) => endpoint !== this.options.messaging.localEndpoint);
        await Promise.allSettled(peers.map((peer) => this.options.messaging.sendRequest(peer, 'SCHEMA_PUSH', payload)));
      });
    });
  }

  private isNewer(remote: Envelope): boolean {
    if (remote.version === this.options.schema.schemaVersion()) return false;
    if (remote.changedMs !== this.changedMs) return remote.changedMs > this.changedMs;
    return remote.version > this.options.schema.schemaVersion();
  }

  /** Adopts a peer's schema when it is newer; true when it did. */
  private async consider(remote: Envelope, from: Endpoint): Promise<boolean> {
    if (!this.isNewer(remote)) return false;
    const { schema, world, gossiper } = this.options;
    this.importing = true;
    try {
      schema.importJson(remote.schema, `schema from ${from}`);
    } finally {
      this.importing = false;
    }
    this.changedMs = remote.changedMs;
    await this.persist();
    await schema.save();
    await this.options.imported();
    gossiper.setApplicationState('SCHEMA', schema.schemaVersion());
    world.logger.info('adopted the schema of a peer', { from, version: schema.schemaVersion() });
    return true;
  }

  private async persist(): Promise<void> {
    await writeSmallFile(this.options.world, this.path, String(this.changedMs), this.options.dataDirectory);
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

  /** Pulls from one live peer whose version differs; pushes ours instead when ours is newer. */
  private async check(): Promise<void> {
    const { gossiper, messaging, schema } = this.options;
    const local = schema.schemaVersion();
    const differing = gossiper.liveEndpoints().filter((endpoint) => endpoint !== messaging.localEndpoint
      && (gossiper.endpointState(endpoint)?.states.get('SCHEMA')?.value ?? local) !== local);
    const peer = differing[0];
    if (peer === undefined) return;
    const response = await messaging.sendRequest(peer, 'SCHEMA_PULL', Buffer.alloc(0));
    const remote = this.decode(response.payload, peer);
    if (await this.consider(remote, peer)) return;
    if (remote.version !== schema.schemaVersion()) await messaging.sendRequest(peer, 'SCHEMA_PUSH', encodeSchemaDocument(JSON.stringify(this.envelope())));
  }
}
