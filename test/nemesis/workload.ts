// The nemesis's workload: clients of the DataStax Node.js driver running, concurrently and
// recording every operation in the history,
// - QUORUM writes of many keys (one writer per key, values "key:seq") and QUORUM reads;
// - logged batches writing one batch id into three rows of different partitions;
// - lightweight transactions on a few contended keys: INSERT ... IF NOT EXISTS, SERIAL reads,
//   and UPDATE ... SET v = old + 1 IF v = old.
// The driver never retries (a retry after a timeout could apply a write the history calls
// failed) and nothing is idempotent to it, so each history entry is exactly one attempt.

import cassandra from 'cassandra-driver';
import type { SeededRandom } from '../harness/seeded-random.js';
import type { HistoryWriter, OperationEvent, OperationKind } from './history.js';

const { quorum, serial, one } = cassandra.types.consistencies;
export const keyspace = 'nemesis';

/** A retry policy that never retries: every execute is one attempt. */
class NeverRetry extends cassandra.policies.retry.RetryPolicy {
  override onUnavailable(): cassandra.policies.retry.DecisionInfo { return this.rethrowResult(); }
  override onReadTimeout(): cassandra.policies.retry.DecisionInfo { return this.rethrowResult(); }
  override onWriteTimeout(): cassandra.policies.retry.DecisionInfo { return this.rethrowResult(); }
  override onRequestError(): cassandra.policies.retry.DecisionInfo { return this.rethrowResult(); }
}

export function nemesisClient(contactPoints: string[], nativePort: number): cassandra.Client {
  return new cassandra.Client({
    contactPoints, localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    policies: { retry: new NeverRetry(), reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
    queryOptions: { prepare: true, isIdempotent: false },
    socketOptions: { readTimeout: 12_000, connectTimeout: 5_000 },
    pooling: { heartBeatInterval: 5_000 },
  });
}

export async function createSchema(client: cassandra.Client): Promise<void> {
  const options = { consistency: quorum };
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`, [], options);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.kv (k int PRIMARY KEY, v text)`, [], options);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.batches (k int PRIMARY KEY, b text)`, [], options);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.lwt (k int PRIMARY KEY, owner text, v int)`, [], options);
}

/** Unavailable (0x1000) and request errors (0x2xxx) mean "not applied"; anything else may have applied. */
function definitelyFailed(error: unknown): boolean {
  const code = (error as { code?: number }).code;
  return code === 0x1000 || (typeof code === 'number' && code >= 0x2000 && code < 0x3000);
}

const describe = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`.slice(0, 300);

export interface WorkloadOptions {
  client: cassandra.Client;
  history: HistoryWriter;
  random: SeededRandom;
  kvKeys: number;
  lwtKeys: number;
  writers: number;
  readers: number;
  batchers: number;
  lwtClients: number;
  stopping: () => boolean;
}

export async function runWorkload(options: WorkloadOptions): Promise<void> {
  const { client, history } = options;
  let clientIds = 0;
  const perform = async (clientId: number, kind: OperationKind, key: number | number[], value: string | number | undefined,
    body: () => Promise<Partial<OperationEvent>>): Promise<Partial<OperationEvent> | undefined> => {
    const op = history.newOperation();
    const base = { op, kind, client: clientId, key, ...(value === undefined ? {} : { value }) };
    history.record({ ...base, type: 'invoke', time: history.now() });
    try {
      const result = await body();
      history.record({ ...base, ...result, type: 'ok', time: history.now() });
      return result;
    } catch (error) {
      // A failed read changes nothing: only writes need "info" for an unknown outcome.
      const reading = kind === 'read' || kind === 'serial-read';
      history.record({ ...base, type: reading || definitelyFailed(error) ? 'fail' : 'info', time: history.now(), error: describe(error) });
      return undefined;
    }
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const workers: Array<Promise<void>> = [];

  for (let w = 0; w < options.writers; w++) {
    const id = ++clientIds;
    const random = options.random.fork();
    const owned = Array.from({ length: Math.ceil(options.kvKeys / options.writers) }, (_, i) => i * options.writers + w).filter((k) => k < options.kvKeys);
    const sequence = new Map<number, number>();
    workers.push((async () => {
      while (!options.stopping()) {
        const key = owned[random.nextInt(owned.length)] as number;
        const seq = sequence.get(key) ?? 0;
        sequence.set(key, seq + 1);
        const value = `${key}:${seq}`;
        await perform(id, 'write', key, value, async () => {
          await client.execute(`INSERT INTO ${keyspace}.kv (k, v) VALUES (?, ?)`, [key, value], { consistency: quorum });
          return {};
        });
        await pause(random.nextInt(20));
      }
    })());
  }
  for (let r = 0; r < options.readers; r++) {
    const id = ++clientIds;
    const random = options.random.fork();
    workers.push((async () => {
      while (!options.stopping()) {
        const key = random.nextInt(options.kvKeys);
        await perform(id, 'read', key, undefined, async () => {
          const result = await client.execute(`SELECT v FROM ${keyspace}.kv WHERE k = ?`, [key], { consistency: quorum });
          return { result: (result.first()?.['v'] as string | undefined) ?? null };
        });
        await pause(random.nextInt(20));
      }
    })());
  }
  let batches = 0;
  for (let b = 0; b < options.batchers; b++) {
    const id = ++clientIds;
    const random = options.random.fork();
    workers.push((async () => {
      while (!options.stopping()) {
        const number = batches++;
        const keys = [number * 3, number * 3 + 1, number * 3 + 2];
        const batchId = `b${number}`;
        await perform(id, 'batch', keys, batchId, async () => {
          await client.batch(keys.map((k) => ({ query: `INSERT INTO ${keyspace}.batches (k, b) VALUES (?, ?)`, params: [k, batchId] })), { consistency: quorum, logged: true });
          return {};
        });
        await pause(random.nextInt(50));
      }
    })());
  }
  for (let l = 0; l < options.lwtClients; l++) {
    const id = ++clientIds;
    const random = options.random.fork();
    const known = new Map<number, number>();
    workers.push((async () => {
      let attempt = 0;
      while (!options.stopping()) {
        const key = random.nextInt(options.lwtKeys);
        const choice = random.nextFloat();
        if (choice < 0.15) {
          const owner = `c${id}-${attempt++}`;
          await perform(id, 'lwt-insert', key, owner, async () => {
            const row = (await client.execute(`INSERT INTO ${keyspace}.lwt (k, owner, v) VALUES (?, ?, 0) IF NOT EXISTS`, [key, owner], { consistency: quorum, serialConsistency: serial })).first();
            return { applied: row?.['[applied]'] === true, owner: (row?.['owner'] as string | undefined) ?? null, v: (row?.['v'] as number | undefined) ?? null };
          });
        } else if (choice < 0.5 || !known.has(key)) {
          const result = await perform(id, 'serial-read', key, undefined, async () => {
            const row = (await client.execute(`SELECT owner, v FROM ${keyspace}.lwt WHERE k = ?`, [key], { consistency: serial })).first();
            return { owner: (row?.['owner'] as string | undefined) ?? null, v: (row?.['v'] as number | undefined) ?? null };
          });
          if (typeof result?.v === 'number') known.set(key, result.v);
        } else {
          const old = known.get(key) as number;
          const result = await perform(id, 'lwt-cas', key, old, async () => {
            const row = (await client.execute(`UPDATE ${keyspace}.lwt SET v = ? WHERE k = ? IF v = ?`, [old + 1, key, old], { consistency: quorum, serialConsistency: serial })).first();
            return { applied: row?.['[applied]'] === true, v: (row?.['v'] as number | undefined) ?? null };
          });
          if (result?.applied === true) known.set(key, old + 1);
          else if (typeof result?.v === 'number') known.set(key, result.v);
        }
        await pause(random.nextInt(50));
      }
    })());
  }
  await Promise.all(workers);
  history.flush();
}

/** Every row of a table read at ONE through `client` (pinned to one node), as key -> row. */
export async function readTable(client: cassandra.Client, table: string, columns: string[]): Promise<Map<number, cassandra.types.Row>> {
  const rows = new Map<number, cassandra.types.Row>();
  let pageState: string | undefined;
  do {
    const result = await client.execute(`SELECT k, ${columns.join(', ')} FROM ${keyspace}.${table}`, [], { consistency: one, fetchSize: 2000, ...(pageState === undefined ? {} : { pageState }) });
    for (const row of result.rows) rows.set(row['k'] as number, row);
    pageState = result.pageState ?? undefined;
  } while (pageState !== undefined);
  return rows;
}
