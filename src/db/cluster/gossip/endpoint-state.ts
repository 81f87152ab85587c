// What gossip spreads about each node: a heartbeat (generation = start time in seconds,
// version = a counter) and versioned application states. Versions come from one counter per
// node, shared by the heartbeat and every state, so "everything newer than version v" is a
// single comparison. Values are text, as Cassandra's VersionedValue is.

import { fail } from '../../common/assert.js';
import { compareTokens, parseToken, tokenToString, type Token } from '../../dht/token.js';

/** Application states with explicit wire ids (house style 3). */
export const ApplicationState = {
  STATUS: 0,
  LOAD: 1,
  SCHEMA: 2,
  DC: 3,
  RACK: 4,
  RELEASE_VERSION: 5,
  RPC_ADDRESS: 6,
  NATIVE_PORT: 7,
  HOST_ID: 8,
  TOKENS: 9,
} as const;
export type ApplicationState = keyof typeof ApplicationState;

const stateByWireId = new Map<number, ApplicationState>();
for (const [name, id] of Object.entries(ApplicationState)) {
  if (!(!stateByWireId.has(id))) fail(`duplicate application state id ${id}`);
  stateByWireId.set(id, name as ApplicationState);
}

export function applicationStateForId(id: number): ApplicationState | undefined {
  return stateByWireId.get(id);
}

export interface HeartbeatState {
  /** The node's start time in seconds: a restarted node has a larger one. */
  generation: number;
  version: number;
}

export interface VersionedValue {
  value: string;
  version: number;
}

export interface EndpointState {
  heartbeat: HeartbeatState;
  states: Map<ApplicationState, VersionedValue>;
  /**
   * Set on a delta in flight (only the states newer than a version the receiver advertised),
   * never on a stored state. A delta is no whole state: a node that does not know the
   * endpoint, or knows an older generation, must not take it as one (gossip-logic.ts).
   */
  partial?: true;
}

/** Largest version a node can reach; a node announcing shutdown is pinned at it (see Gossiper). */
export const versionMax = 0x7fffffff;

export function maxVersion(state: EndpointState): number {
  let max = state.heartbeat.version;
  for (const value of state.states.values()) max = Math.max(max, value.version);
  return max;
}

export function copyEndpointState(state: EndpointState): EndpointState {
  return { heartbeat: { ...state.heartbeat }, states: new Map([...state.states].map(([key, value]) => [key, { ...value }])) };
}

/** The parts of a state newer than `version` (with the heartbeat), or undefined if none are. */
export function stateNewerThan(state: EndpointState, version: number): EndpointState | undefined {
  const newer = new Map<ApplicationState, VersionedValue>();
  for (const [key, value] of state.states) if (value.version > version) newer.set(key, { ...value });
  if (state.heartbeat.version <= version && newer.size === 0) return undefined;
  return version > 0 ? { heartbeat: { ...state.heartbeat }, states: newer, partial: true } : { heartbeat: { ...state.heartbeat }, states: newer };
}

/**
 * Node status as STATUS carries it (Cassandra's names; 'shutdown' after a clean stop). A dead
 * node that nodetool removenode takes out is 'removing' while its ranges are restored (an owner
 * that is leaving), then 'removed' (gone, as LEFT).
 */
export type NodeStatus = 'BOOT' | 'NORMAL' | 'LEAVING' | 'LEFT' | 'removing' | 'removed' | 'shutdown';
const statuses: readonly NodeStatus[] = ['BOOT', 'NORMAL', 'LEAVING', 'LEFT', 'removing', 'removed', 'shutdown'];

/** STATUS value: the status, then (as Cassandra) the node's first token when it has tokens. */
export function formatStatus(status: NodeStatus, tokens: readonly Token[] = []): string {
  const first = [...tokens].sort(compareTokens)[0];
  return first === undefined ? status : `${status},${tokenToString(first)}`;
}

export function parseStatus(value: string): NodeStatus | undefined {
  const head = value.split(',', 1)[0] ?? '';
  return statuses.find((status) => status === head);
}

export function statusOf(state: EndpointState): NodeStatus | undefined {
  const value = state.states.get('STATUS');
  return value === undefined ? undefined : parseStatus(value.value);
}

/**
 * STATUS of a dead node that nodetool removenode takes out, as Cassandra writes it on its
 * behalf: `removing,<host id>` while its ranges are restored, then `removed,<host id>,<expire
 * time ms>`.
 */
export function formatRemovalStatus(phase: 'removing' | 'removed', hostId: string, expireAtMs?: number): string {
  return phase === 'removing' ? `removing,${hostId}` : `removed,${hostId},${expireAtMs ?? 0}`;
}

/** A status after which the endpoint is no longer in the ring (decommissioned or removed). */
export function isGoneStatus(status: NodeStatus | undefined): boolean {
  return status === 'LEFT' || status === 'removed';
}

/** A node that left the ring, is being removed, or shut down: gossip does not try to mark it alive. */
export function isDeadState(state: EndpointState): boolean {
  const status = statusOf(state);
  return isGoneStatus(status) || status === 'removing' || status === 'shutdown';
}

/** TOKENS value: decimal tokens, comma-separated, sorted. */
export function formatTokens(tokens: readonly Token[]): string {
  return [...tokens].sort(compareTokens).map(tokenToString).join(',');
}

/** Parses TOKENS; undefined when the text is not a list of tokens (bad input from a peer). */
export function parseTokens(value: string): Token[] | undefined {
  if (value === '') return [];
  try {
    return value.split(',').map(parseToken);
  } catch (error) {
    if (error instanceof Error) return undefined;
    throw error;
  }
}
