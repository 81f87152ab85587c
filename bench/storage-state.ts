// Each node's storage state over a measured window, from its Prometheus metrics (GET /metrics on
// the admin port): the share of chunk (sstable block) and key cache lookups that hit during the
// window, and at its end the bench table's live sstables and the compactions running or due. A
// point read's cost depends on them: a chunk miss reads and decodes a block, a key miss reads the
// partition index too, and every sstable whose bloom filter may hold the key adds a lookup.

import type { ServerProcess } from './nodes.js';
import { benchKeyspace, benchTable } from './statements.js';

export interface StorageWindow {
  /** Hits / lookups of the chunk cache during the window; null when there was none. */
  chunkHitRatio: number | null;
  keyHitRatio: number | null;
  /** The bench table's live sstables at the end of the window. */
  sstables: number;
  /** Compactions running or due at the end of the window. */
  compactionsPending: number;
}

/** The sum of a metric's samples whose labels include `labels` (Prometheus text format). */
export function metricSample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) sum += Number(match[3]);
  }
  return sum;
}

async function scrape(process: ServerProcess): Promise<string | null> {
  if (process.adminPort === undefined) return null;
  try {
    const response = await fetch(`http://${process.endpoint.host}:${process.adminPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

function hitRatio(before: string, after: string, cache: string): number | null {
  const requests = metricSample(after, 'cassandra_cache_requests_total', { cache }) - metricSample(before, 'cassandra_cache_requests_total', { cache });
  const hits = metricSample(after, 'cassandra_cache_hits_total', { cache }) - metricSample(before, 'cassandra_cache_hits_total', { cache });
  return requests > 0 ? Number((hits / requests).toFixed(4)) : null;
}

/** Scrapes every node now; the returned function scrapes again and gives each node's window (null: no metrics). Servers without an admin port (the ceiling) are left out. */
export function openStorageWindow(servers: readonly ServerProcess[]): () => Promise<Record<string, StorageWindow | null>> {
  const processes = servers.filter((server) => server.adminPort !== undefined);
  const before = Promise.all(processes.map(scrape));
  return async () => {
    const [start, end] = await Promise.all([before, Promise.all(processes.map(scrape))]);
    return Object.fromEntries(processes.map((process, index) => {
      const from = start[index];
      const to = end[index];
      if (from === null || from === undefined || to === null || to === undefined) return [process.name, null];
      return [process.name, {
        chunkHitRatio: hitRatio(from, to, 'chunks'), keyHitRatio: hitRatio(from, to, 'keys'),
        sstables: metricSample(to, 'cassandra_table_live_sstable_count', { keyspace: benchKeyspace, table: benchTable }),
        compactionsPending: metricSample(to, 'cassandra_compaction_pending_tasks'),
      }];
    }));
  };
}

const percent = (ratio: number | null) => (ratio === null ? '-' : `${Math.round(ratio * 100)}%`);

/** Per node: chunk / key cache hits in the window, then live sstables and compactions pending at its end. */
export function storageCell(windows: Record<string, StorageWindow | null> | undefined): string {
  return Object.entries(windows ?? {})
    .map(([name, w]) => (w === null ? `${name} ?` : `${name} ${percent(w.chunkHitRatio)}/${percent(w.keyHitRatio)}, ${w.sstables} sst, ${w.compactionsPending} pend`)).join('; ');
}
