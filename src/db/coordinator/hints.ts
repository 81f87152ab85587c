// Hinted handoff: the mutations a replica missed while it was down or slow, kept by the
// coordinator and replayed (HINT verb) once gossip sees the replica up again. Hints for one
// replica are bounded in count; a replica down longer than the hint window (Cassandra's
// max_hint_window_in_ms, measured from its oldest pending hint) gets no more hints and must
// be repaired instead. Persisted through the injected Disk, one append-only file per replica
// (a u32-length-prefixed record per hint: created ms as f64, then the mutation's bytes), so a
// coordinator that restarts still delivers what it promised.

import { hintRecordBytesMax as recordBytesMax, hintsPerEndpointMax } from '../common/limits.js';
import type { Clock, Disk, Logger } from '../common/world.js';
import type { Endpoint } from '../cluster/endpoint.js';

export interface Hint {
  createdMs: number;
  /** The mutation, in the MUTATION/HINT payload layout. */
  payload: Buffer;
}

export interface HintStoreOptions {
  clock: Clock;
  logger: Logger;
  /** Where hints persist; in memory only when absent. */
  disk?: Disk;
  directory?: string;
  hintWindowMs: number;
}

export class HintStore {
  private readonly hints = new Map<Endpoint, Hint[]>();
  private written = 0;
  private dropped = 0;
  private delivered = 0;

  constructor(private readonly options: HintStoreOptions) {}

  /** Loads persisted hints (call once before use). */
  async load(): Promise<void> {
    const { disk, directory } = this.options;
    if (disk === undefined || directory === undefined) return;
    await disk.makeDirectory(directory);
    for (const name of await disk.list(directory)) {
      if (!name.endsWith('.hints')) continue;
      const endpoint = decodeURIComponent(name.slice(0, -'.hints'.length));
      const bytes = await disk.readFile(`${directory}/${name}`);
      const loaded = decodeHints(bytes);
      if (loaded.length > 0) this.hints.set(endpoint, loaded.slice(-hintsPerEndpointMax));
    }
  }

  /**
   * Stores a hint unless the replica has been down past the window (a batchlog replay's hints
   * skip that test, as Cassandra's BatchlogManager writes them whatever the window) or holds
   * hintsPerEndpointMax already; false when it was not stored.
   */
  async add(endpoint: Endpoint, payload: Buffer, { ignoreWindow = false }: { ignoreWindow?: boolean } = {}): Promise<boolean> {
    const list = this.hints.get(endpoint) ?? [];
    const now = this.options.clock.nowMs();
    const oldest = list[0];
    const pastWindow = !ignoreWindow && oldest !== undefined && now - oldest.createdMs > this.options.hintWindowMs;
    if (pastWindow || list.length >= hintsPerEndpointMax) {
      this.dropped++;
      return false;
    }
    const hint = { createdMs: now, payload };
    list.push(hint);
    this.hints.set(endpoint, list);
    this.written++;
    await this.persistAppend(endpoint, hint);
    return true;
  }

  pending(endpoint: Endpoint): number {
    return this.hints.get(endpoint)?.length ?? 0;
  }

  endpointsWithHints(): Endpoint[] {
    return [...this.hints].filter(([, list]) => list.length > 0).map(([endpoint]) => endpoint);
  }

  /** Hints held now, and since start: stored, refused (window passed or too many) and delivered. */
  stats(): { pending: number; written: number; dropped: number; delivered: number } {
    let pending = 0;
    for (const list of this.hints.values()) pending += list.length;
    return { pending, written: this.written, dropped: this.dropped, delivered: this.delivered };
  }

  /**
   * Delivers the replica's hints in order through `send`; stops at the first failure (the
   * rest wait for the next replay) and keeps only what was not delivered.
   */
  async replay(endpoint: Endpoint, send: (payload: Buffer) => Promise<void>): Promise<number> {
    const list = this.hints.get(endpoint);
    if (list === undefined || list.length === 0) return 0;
    let delivered = 0;
    for (const hint of list) {
      try {
        await send(hint.payload);
      } catch (error) {
        this.options.logger.info('hint replay stopped', { endpoint, delivered, reason: String(error) });
        break;
      }
      delivered++;
      this.delivered++;
    }
    const rest = list.slice(delivered);
    if (rest.length === 0) this.hints.delete(endpoint);
    else this.hints.set(endpoint, rest);
    await this.persistRewrite(endpoint, rest);
    if (delivered > 0) this.options.logger.info('hints delivered', { endpoint, delivered, remaining: rest.length });
    return delivered;
  }

  private path(endpoint: Endpoint): string | undefined {
    const { disk, directory } = this.options;
    return disk === undefined || directory === undefined ? undefined : `${directory}/${encodeURIComponent(endpoint)}.hints`;
  }

  private async persistAppend(endpoint: Endpoint, hint: Hint): Promise<void> {
    const path = this.path(endpoint);
    if (path === undefined || this.options.disk === undefined) return;
    const file = await this.options.disk.openAppend(path);
    try {
      await file.append(encodeHint(hint));
      await file.sync();
    } finally {
      await file.close();
    }
  }

  private async persistRewrite(endpoint: Endpoint, rest: Hint[]): Promise<void> {
    const path = this.path(endpoint);
    const disk = this.options.disk;
    if (path === undefined || disk === undefined) return;
    if (rest.length === 0) {
      if (await disk.exists(path)) await disk.remove(path);
      return;
    }
    const temporary = `${path}.tmp`;
    if (await disk.exists(temporary)) await disk.remove(temporary);
    const file = await disk.openAppend(temporary);
    try {
      await file.append(Buffer.concat(rest.map(encodeHint)));
      await file.sync();
    } finally {
      await file.close();
    }
    await disk.rename(temporary, path);
    await disk.syncDirectory(this.options.directory as string);
  }
}

function encodeHint(hint: Hint): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt32BE(hint.payload.length + 8, 0);
  header.writeDoubleBE(hint.createdMs, 4);
  return Buffer.concat([header, hint.payload]);
}

/** Reads hint records; a torn last record (a crash mid-append) ends the list. */
function decodeHints(bytes: Buffer): Hint[] {
  const hints: Hint[] = [];
  let offset = 0;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    if (length < 8 || length > recordBytesMax || offset + 4 + length > bytes.length) break;
    hints.push({ createdMs: bytes.readDoubleBE(offset + 4), payload: Buffer.from(bytes.subarray(offset + 12, offset + 4 + length)) });
    offset += 4 + length;
  }
  return hints;
}
