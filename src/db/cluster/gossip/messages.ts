// Gossip payloads, one codec each (house style 4):
//   GossipDigestSyn  := clusterName utf8 | partitioner utf8 | digests
//   GossipDigestAck  := digests | states
//   GossipDigestAck2 := states
//   digests := u16 count | (endpoint utf8 | generation u32 | maxVersion u32)*
//   states  := u16 count | (endpoint utf8 | flags u8 | generation u32 | heartbeat version u32
//                           | u16 count | (state id u8 | version u32 | value u32-length utf8)*)*
//   flags: bit 0 = partial (a delta, not the endpoint's whole state); other bits are zero.
// utf8 is u16 length + bytes unless noted. Every count and length is bounded before use.

import { clusterNameBytesMax, endpointTextLengthMax, gossipEndpointsMax, gossipValueBytesMax, partitionerBytesMax } from '../../common/limits.js';
import { assert, fail } from '../../common/assert.js';
import { ByteReader, ByteWriter } from '../../storage/mutation-serializer.js';
import type { Endpoint } from '../endpoint.js';
import { ApplicationState, applicationStateForId, type EndpointState, type VersionedValue } from './endpoint-state.js';

export interface GossipDigest {
  endpoint: Endpoint;
  generation: number;
  maxVersion: number;
}

export interface GossipDigestSyn {
  clusterName: string;
  partitioner: string;
  digests: GossipDigest[];
}

export interface GossipDigestAck {
  digests: GossipDigest[];
  states: Map<Endpoint, EndpointState>;
}

export interface GossipDigestAck2 {
  states: Map<Endpoint, EndpointState>;
}

const applicationStatesMax = Object.keys(ApplicationState).length;
const partialFlag = 0x01;

function writeText(writer: ByteWriter, text: string, bytesMax: number): void {
  const bytes = Buffer.from(text, 'utf8');
  assert(bytes.length <= bytesMax, 'gossip text too long');
  writer.u16(bytes.length);
  writer.bytes(bytes);
}

function writeDigests(writer: ByteWriter, digests: readonly GossipDigest[]): void {
  assert(digests.length <= gossipEndpointsMax, 'too many gossip digests');
  writer.u16(digests.length);
  for (const digest of digests) {
    writeText(writer, digest.endpoint, endpointTextLengthMax);
    writer.u32(digest.generation);
    writer.u32(digest.maxVersion);
  }
}

function readDigests(reader: ByteReader): GossipDigest[] {
  const count = reader.u16('digest count');
  if (count > gossipEndpointsMax) throw reader.corrupt(`${count} digests exceed ${gossipEndpointsMax}`);
  const digests: GossipDigest[] = [];
  for (let index = 0; index < count; index++) {
    const endpoint = reader.utf8(endpointTextLengthMax, 'digest endpoint');
    digests.push({ endpoint, generation: reader.u32('digest generation'), maxVersion: reader.u32('digest version') });
  }
  return digests;
}

function writeStates(writer: ByteWriter, states: ReadonlyMap<Endpoint, EndpointState>): void {
  assert(states.size <= gossipEndpointsMax, 'too many gossip states');
  writer.u16(states.size);
  for (const [endpoint, state] of states) {
    writeText(writer, endpoint, endpointTextLengthMax);
    writer.u8(state.partial === true ? partialFlag : 0);
    writer.u32(state.heartbeat.generation);
    writer.u32(state.heartbeat.version);
    writer.u16(state.states.size);
    for (const [key, value] of state.states) {
      writer.u8(ApplicationState[key]);
      writer.u32(value.version);
      const bytes = Buffer.from(value.value, 'utf8');
      if (!(bytes.length <= gossipValueBytesMax)) fail(`gossip value of ${key} too long`);
      writer.u32(bytes.length);
      writer.bytes(bytes);
    }
  }
}

function readEndpointState(reader: ByteReader): EndpointState {
  const flags = reader.u8('state flags');
  if ((flags & ~partialFlag) !== 0) throw reader.corrupt(`unknown state flags ${flags}`);
  const heartbeat = { generation: reader.u32('generation'), version: reader.u32('heartbeat version') };
  const count = reader.u16('application state count');
  if (count > applicationStatesMax) throw reader.corrupt(`${count} application states exceed ${applicationStatesMax}`);
  const states = new Map<ApplicationState, VersionedValue>();
  for (let index = 0; index < count; index++) {
    const id = reader.u8('application state id');
    const key = applicationStateForId(id);
    if (key === undefined) throw reader.corrupt(`unknown application state id ${id}`);
    if (states.has(key)) throw reader.corrupt(`application state ${key} repeated`);
    const version = reader.u32('application state version');
    const value = reader.lengthPrefixed(4, gossipValueBytesMax, `value of ${key}`).toString('utf8');
    states.set(key, { value, version });
  }
  return (flags & partialFlag) !== 0 ? { heartbeat, states, partial: true } : { heartbeat, states };
}

function readStates(reader: ByteReader): Map<Endpoint, EndpointState> {
  const count = reader.u16('endpoint state count');
  if (count > gossipEndpointsMax) throw reader.corrupt(`${count} endpoint states exceed ${gossipEndpointsMax}`);
  const states = new Map<Endpoint, EndpointState>();
  for (let index = 0; index < count; index++) {
    const endpoint = reader.utf8(endpointTextLengthMax, 'state endpoint');
    if (states.has(endpoint)) throw reader.corrupt(`endpoint ${endpoint} repeated`);
    states.set(endpoint, readEndpointState(reader));
  }
  return states;
}

function finish(reader: ByteReader): void {
  if (reader.remaining() !== 0) throw reader.corrupt(`${reader.remaining()} trailing bytes`);
}

export function encodeGossipDigestSyn(syn: GossipDigestSyn): Buffer {
  const writer = new ByteWriter();
  writeText(writer, syn.clusterName, clusterNameBytesMax);
  writeText(writer, syn.partitioner, partitionerBytesMax);
  writeDigests(writer, syn.digests);
  return writer.finish();
}

export function decodeGossipDigestSyn(payload: Buffer, source: string): GossipDigestSyn {
  const reader = new ByteReader(payload, source);
  const clusterName = reader.utf8(clusterNameBytesMax, 'cluster name');
  const partitioner = reader.utf8(partitionerBytesMax, 'partitioner');
  const digests = readDigests(reader);
  finish(reader);
  return { clusterName, partitioner, digests };
}

export function encodeGossipDigestAck(ack: GossipDigestAck): Buffer {
  const writer = new ByteWriter();
  writeDigests(writer, ack.digests);
  writeStates(writer, ack.states);
  return writer.finish();
}

export function decodeGossipDigestAck(payload: Buffer, source: string): GossipDigestAck {
  const reader = new ByteReader(payload, source);
  const digests = readDigests(reader);
  const states = readStates(reader);
  finish(reader);
  return { digests, states };
}

export function encodeGossipDigestAck2(ack2: GossipDigestAck2): Buffer {
  const writer = new ByteWriter();
  writeStates(writer, ack2.states);
  return writer.finish();
}

export function decodeGossipDigestAck2(payload: Buffer, source: string): GossipDigestAck2 {
  const reader = new ByteReader(payload, source);
  const states = readStates(reader);
  finish(reader);
  return { states };
}
