// The internode verb table (house style 3: explicit wire ids, checked for duplicates at load).
// Each request verb names its response verb and its timeout; response verbs have neither.
// Timeouts follow cassandra.yaml's defaults (write 2 s, read 5 s, range 10 s, truncate 60 s,
// everything else the 10 s rpc timeout). Gossip verbs are one-way, as in Cassandra.

import { fail } from '../../common/assert.js';

export interface VerbInfo {
  readonly name: string;
  readonly id: number;
  /** How long a sender waits for the response; 0 for one-way verbs and responses. */
  readonly timeoutMs: number;
  /** The verb of the answer, when this verb is a request. */
  readonly responseVerb?: string;
}

const writeTimeoutMs = 2_000;
const readTimeoutMs = 5_000;
const rangeTimeoutMs = 10_000;
const rpcTimeoutMs = 10_000;
const truncateTimeoutMs = 60_000;
/** Repair's validation scans a whole token range of a table; its sync pages are bounded (repair/). */
const repairTimeoutMs = 120_000;

const table = [
  { name: 'GOSSIP_DIGEST_SYN', id: 1, timeoutMs: 0 },
  { name: 'GOSSIP_DIGEST_ACK', id: 2, timeoutMs: 0 },
  { name: 'GOSSIP_DIGEST_ACK2', id: 3, timeoutMs: 0 },
  { name: 'GOSSIP_SHUTDOWN', id: 4, timeoutMs: 0 },
  { name: 'ECHO', id: 5, timeoutMs: rpcTimeoutMs, responseVerb: 'ECHO_RSP' },
  { name: 'ECHO_RSP', id: 6, timeoutMs: 0 },
  { name: 'MUTATION', id: 7, timeoutMs: writeTimeoutMs, responseVerb: 'MUTATION_RSP' },
  { name: 'MUTATION_RSP', id: 8, timeoutMs: 0 },
  { name: 'READ', id: 9, timeoutMs: readTimeoutMs, responseVerb: 'READ_RSP' },
  { name: 'READ_RSP', id: 10, timeoutMs: 0 },
  { name: 'RANGE_READ', id: 11, timeoutMs: rangeTimeoutMs, responseVerb: 'RANGE_READ_RSP' },
  { name: 'RANGE_READ_RSP', id: 12, timeoutMs: 0 },
  { name: 'HINT', id: 13, timeoutMs: writeTimeoutMs, responseVerb: 'HINT_RSP' },
  { name: 'HINT_RSP', id: 14, timeoutMs: 0 },
  { name: 'SCHEMA_PULL', id: 15, timeoutMs: rpcTimeoutMs, responseVerb: 'SCHEMA_PULL_RSP' },
  { name: 'SCHEMA_PULL_RSP', id: 16, timeoutMs: 0 },
  { name: 'SCHEMA_PUSH', id: 17, timeoutMs: rpcTimeoutMs, responseVerb: 'SCHEMA_PUSH_RSP' },
  { name: 'SCHEMA_PUSH_RSP', id: 18, timeoutMs: 0 },
  { name: 'TRUNCATE', id: 19, timeoutMs: truncateTimeoutMs, responseVerb: 'TRUNCATE_RSP' },
  { name: 'TRUNCATE_RSP', id: 20, timeoutMs: 0 },
  { name: 'BATCH_STORE', id: 21, timeoutMs: writeTimeoutMs, responseVerb: 'BATCH_STORE_RSP' },
  { name: 'BATCH_STORE_RSP', id: 22, timeoutMs: 0 },
  { name: 'BATCH_REMOVE', id: 23, timeoutMs: writeTimeoutMs, responseVerb: 'BATCH_REMOVE_RSP' },
  { name: 'BATCH_REMOVE_RSP', id: 24, timeoutMs: 0 },
  { name: 'VALIDATION_REQ', id: 25, timeoutMs: repairTimeoutMs, responseVerb: 'VALIDATION_RSP' },
  { name: 'VALIDATION_RSP', id: 26, timeoutMs: 0 },
  { name: 'SYNC_REQ', id: 27, timeoutMs: repairTimeoutMs, responseVerb: 'SYNC_RSP' },
  { name: 'SYNC_RSP', id: 28, timeoutMs: 0 },
  { name: 'SYNC_PUSH', id: 29, timeoutMs: repairTimeoutMs, responseVerb: 'SYNC_PUSH_RSP' },
  { name: 'SYNC_PUSH_RSP', id: 30, timeoutMs: 0 },
  // Streaming (cluster/streaming): bounded, checksummed pages of a token range of a table.
  { name: 'STREAM_PULL', id: 31, timeoutMs: repairTimeoutMs, responseVerb: 'STREAM_PULL_RSP' },
  { name: 'STREAM_PULL_RSP', id: 32, timeoutMs: 0 },
  { name: 'STREAM_PUSH', id: 33, timeoutMs: repairTimeoutMs, responseVerb: 'STREAM_PUSH_RSP' },
  { name: 'STREAM_PUSH_RSP', id: 34, timeoutMs: 0 },
  // The mutations of several partitions (a batch's) that one replica holds, in one message.
  { name: 'MUTATION_BATCH', id: 55, timeoutMs: writeTimeoutMs, responseVerb: 'MUTATION_BATCH_RSP' },
  { name: 'MUTATION_BATCH_RSP', id: 56, timeoutMs: 0 },
  // Lightweight transactions (cluster/paxos); Cassandra sends them with the write timeout.
  { name: 'PAXOS_PREPARE', id: 41, timeoutMs: writeTimeoutMs, responseVerb: 'PAXOS_PREPARE_RSP' },
  { name: 'PAXOS_PREPARE_RSP', id: 42, timeoutMs: 0 },
  { name: 'PAXOS_PROPOSE', id: 43, timeoutMs: writeTimeoutMs, responseVerb: 'PAXOS_PROPOSE_RSP' },
  { name: 'PAXOS_PROPOSE_RSP', id: 44, timeoutMs: 0 },
  { name: 'PAXOS_COMMIT', id: 45, timeoutMs: writeTimeoutMs, responseVerb: 'PAXOS_COMMIT_RSP' },
  { name: 'PAXOS_COMMIT_RSP', id: 46, timeoutMs: 0 },
  // A counter increment sent to its leader replica (coordinator/counters.ts).
  { name: 'COUNTER_MUTATION', id: 47, timeoutMs: writeTimeoutMs, responseVerb: 'COUNTER_MUTATION_RSP' },
  { name: 'COUNTER_MUTATION_RSP', id: 48, timeoutMs: 0 },
  // A READ, RANGE_READ or MUTATION of a traced request (cluster/tracing); sent with the inner verb's timeout.
  { name: 'TRACED_REQUEST', id: 50, timeoutMs: rangeTimeoutMs, responseVerb: 'TRACED_REQUEST_RSP' },
  { name: 'TRACED_REQUEST_RSP', id: 51, timeoutMs: 0 },
  { name: 'FAILURE_RSP', id: 99, timeoutMs: 0 },
] as const satisfies readonly VerbInfo[];

export type Verb = (typeof table)[number]['name'];

const byName = new Map<string, VerbInfo>();
const byId = new Map<number, VerbInfo>();
for (const info of table) {
  if (!(!byName.has(info.name))) fail(`duplicate verb name ${info.name}`);
  if (!(!byId.has(info.id))) fail(`duplicate verb id ${info.id} (${info.name})`);
  if (!(Number.isInteger(info.id) && info.id > 0 && info.id <= 0xffff)) fail(`verb id out of range: ${info.name}`);
  byName.set(info.name, info);
  byId.set(info.id, info);
}
for (const info of table) {
  const response = (info as VerbInfo).responseVerb;
  if (response === undefined) continue;
  if (!(byName.has(response))) fail(`verb ${info.name} answers with unknown ${response}`);
  if (!(info.timeoutMs > 0)) fail(`request verb ${info.name} needs a timeout`);
}

export const verbs: readonly VerbInfo[] = table;

export function verbInfo(verb: Verb): VerbInfo {
  const info = byName.get(verb);
  if (!(info !== undefined)) fail(`unknown verb ${verb}`);
  return info;
}

/** The verb with this wire id, or undefined (bad input: the frame is rejected). */
export function verbForId(id: number): Verb | undefined {
  return byId.get(id)?.name as Verb | undefined;
}

export function isRequestVerb(verb: Verb): boolean {
  return verbInfo(verb).responseVerb !== undefined;
}
