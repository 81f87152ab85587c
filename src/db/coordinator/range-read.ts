// Partition-range reads across the ring: the read's bounds cut along the ring's ranges, each
// slice read from the fewest live replicas its level needs (data from all of them: a range
// has no single answer to digest), merged, stale replicas repaired, and the slices appended
// in token order until the row or partition limit is reached. Paging stays with
// SelectExecution, which resumes after the last partition it returned.

import type { ConsistencyLevel } from '../common/consistency.js';
import { readTimeout } from '../common/errors.js';
import { shortReadRetriesMax } from '../common/limits.js';
import type { PartitionRangeReadCommand, ReadCommand, ReadResult, SinglePartitionReadCommand } from '../storage/types.js';
import { splitByRing } from './range-split.js';
import { growLimit, resolveAnswers } from './read-resolver.js';
import { assureSufficientLive, readContacts, replicaGroups, tally } from './replica-plan.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { TokenMetadata } from '../cluster/ring/token-metadata.js';
import type { Mutation } from '../storage/types.js';
import type { ReplicaAnswer } from './read-resolver.js';
import type { DataPlan, PlanContext } from './replica-plan.js';

/** What a range read needs of the StorageProxy (an interface, so the two files do not import each other). */
export interface RangeReadHost {
  options: { ring: TokenMetadata };
  planContext(keyspace: string): PlanContext;
  byProximity(replicas: readonly Endpoint[]): Endpoint[];
  isAlive(endpoint: Endpoint): boolean;
  read(command: ReadCommand, level: ConsistencyLevel): Promise<ReadResult>;
  dataFromAll(plan: DataPlan, command: ReadCommand): Promise<ReplicaAnswer[]>;
  /** The data of one replica's answer to the command. */
  dataFrom(endpoint: Endpoint, command: ReadCommand): Promise<ReadResult>;
  repair(repairs: Map<Endpoint, Mutation[]>, fail: (received: number, dataPresent: boolean) => Error): Promise<void>;
}

export interface RangeReadRequest {
  command: PartitionRangeReadCommand;
  level: ConsistencyLevel;
  keyspace: string;
}

export async function readRange(proxy: RangeReadHost, request: RangeReadRequest): Promise<ReadResult> {
  const { command, level, keyspace } = request;
  const context = proxy.planContext(keyspace);
  const groups = replicaGroups(level, context);
  const slices = splitByRing(command.start, command.end, proxy.options.ring.rangesWithReplicas(context.replication));
  const partitions: ReadResult['partitions'] = [];
  let rowsLeft = command.rowLimit;
  let partitionsLeft = command.partitionLimit;
  const take = (result: ReadResult) => {
    for (const partition of result.partitions) {
      partitions.push(partition);
      rowsLeft -= partition.rows.length;
      if (partition.rows.length > 0) partitionsLeft--;
    }
  };
  // Paging inside the first partition: its remainder first (storage's inclusive paging start).
  if (command.afterClustering !== undefined && command.start.key !== undefined) {
    const single: SinglePartitionReadCommand = {
      kind: 'single', tableId: command.tableId, key: command.start.key, token: command.start.token, slices: command.slices,
      reversed: command.reversed, columns: command.columns, rowLimit: rowsLeft, perPartitionRowLimit: command.perPartitionRowLimit,
      nowSeconds: command.nowSeconds, includeTombstones: false, afterClustering: command.afterClustering,
      ...(command.strictLiveness === true ? { strictLiveness: true } : {}),
    };
    take(await proxy.read(single, level));
  }
  // Every slice is checked before the first is read, so Unavailable comes before any work.
  const plans = slices.map((slice) => {
    const live = proxy.byProximity(slice.replicas.filter((endpoint) => proxy.isAlive(endpoint)));
    assureSufficientLive(level, groups, live, { write: false });
    const contacts = readContacts(groups, live);
    return { slice, contacts, spares: live.filter((endpoint) => !contacts.includes(endpoint)) };
  });
  for (const { slice, contacts, spares } of plans) {
    if (rowsLeft <= 0 || partitionsLeft <= 0) break;
    const sliceCommand: PartitionRangeReadCommand = { ...command, start: slice.start, end: slice.end, rowLimit: rowsLeft, partitionLimit: partitionsLeft };
    delete sliceCommand.afterClustering;
    const fail = (received: number, dataPresent: boolean) => readTimeout(level, received, tally(groups, contacts).blockFor, dataPresent);
    take(await readSlice(proxy, { command: sliceCommand, keyspace, data: { contacts, spares, groups, fail } }));
  }
  return { partitions };
}

/**
 * Replica filtering protection for index reads (Cassandra's ReplicaFilteringProtection): a
 * replica whose index no longer lists a partition (its copy changed) leaves it out, and the
 * merge would then see only the stale copies of the others. Each replica is asked for the
 * partitions the others returned and it did not, so the merge compares every copy.
 */
async function completeIndexAnswers(proxy: RangeReadHost, command: PartitionRangeReadCommand, answers: ReplicaAnswer[]): Promise<ReplicaAnswer[]> {
  if (command.index === undefined || answers.length < 2) return answers;
  const all = new Map<string, { key: Buffer; token: bigint }>();
  for (const answer of answers) for (const p of answer.result.partitions) all.set(p.key.toString('hex'), { key: p.key, token: p.token });
  return Promise.all(answers.map(async (answer) => {
    const held = new Set(answer.result.partitions.map((p) => p.key.toString('hex')));
    const missing = [...all.entries()].filter(([id]) => !held.has(id)).map(([, key]) => key);
    if (missing.length === 0) return answer;
    const partitions = [...answer.result.partitions];
    for (const { key, token } of missing) {
      const result = await proxy.dataFrom(answer.endpoint, {
        kind: 'single', tableId: command.tableId, key, token, slices: command.slices, reversed: command.reversed, columns: command.columns,
        rowLimit: Number.MAX_SAFE_INTEGER, perPartitionRowLimit: command.perPartitionRowLimit, nowSeconds: command.nowSeconds, includeTombstones: true,
        ...(command.strictLiveness === true ? { strictLiveness: true } : {}),
      });
      partitions.push(...result.partitions);
    }
    partitions.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : Buffer.compare(a.key, b.key)));
    return { endpoint: answer.endpoint, result: { partitions } };
  }));
}

async function readSlice(
  proxy: RangeReadHost,
  request: { command: PartitionRangeReadCommand; keyspace: string; data: DataPlan },
): Promise<ReadResult> {
  // One replica's answer needs no merge: ask it for the client's view directly.
  if (request.data.contacts.length === 1) {
    const answers = await proxy.dataFromAll(request.data, request.command);
    if (answers.length === 1) return answers[0]?.result ?? { partitions: [] };
  }
  let attempt: ReadCommand = request.command;
  for (let retry = 0; ; retry++) {
    const answers = await completeIndexAnswers(proxy, request.command, await proxy.dataFromAll(request.data, { ...attempt, includeTombstones: true }));
    const resolution = resolveAnswers(request.command, answers, request.keyspace);
    await proxy.repair(resolution.repairs, request.data.fail);
    if (!resolution.short || retry >= shortReadRetriesMax) return resolution.result;
    attempt = { ...request.command, rowLimit: growLimit(attempt.rowLimit), partitionLimit: growLimit((attempt as PartitionRangeReadCommand).partitionLimit) };
  }
}
