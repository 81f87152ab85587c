// Payload codecs of the Paxos verbs (house style 4: one codec per message). Layouts (big-endian):
//   commit          := ballot (16 bytes) | u32 length | mutation (storage layout)
//   PAXOS_PREPARE   := commit (the ballot, with an empty update naming the partition)
//   PAXOS_PREPARE_RSP := promised u8 | promised ballot (16) | u8 hasAccepted [| commit] | u8 hasCommit [| commit]
//   PAXOS_PROPOSE   := commit
//   PAXOS_PROPOSE_RSP := accepted u8
//   PAXOS_COMMIT    := commit            PAXOS_COMMIT_RSP: empty
// The promised ballot of a refused prepare is the replica's current promise, so that the
// coordinator's next ballot can be newer (Cassandra does the same).

import { mutationBytesMax } from '../../common/limits.js';
import { ByteReader, ByteWriter, decodeMutation, encodeMutation } from '../../storage/mutation-serializer.js';
import type { Mutation } from '../../storage/types.js';
import { BALLOT_BYTES } from './ballot.js';

/** A proposal or a commit: a ballot and the update of one partition (possibly empty). */
export interface Commit {
  ballot: Buffer;
  update: Mutation;
}

export interface PrepareResponse {
  promised: boolean;
  /** The ballot the replica promised (this one when promised, the one that beat it otherwise). */
  promisedBallot: Buffer;
  /** The latest proposal the replica accepted, or null. */
  accepted: Commit | null;
  /** The latest commit the replica learned, or null. */
  mostRecentCommit: Commit | null;
}

function writeCommit(writer: ByteWriter, commit: Commit): void {
  writer.bytes(commit.ballot);
  const update = encodeMutation(commit.update);
  writer.u32(update.length);
  writer.bytes(update);
}

function readCommit(reader: ByteReader, what: string): Commit {
  const ballot = reader.bytes(BALLOT_BYTES, `${what} ballot`);
  const offset = reader.offset + 4;
  const bytes = reader.lengthPrefixed(4, mutationBytesMax, `${what} update`);
  return { ballot, update: decodeMutation(bytes, { source: reader.source, offset }) };
}

function readFlag(reader: ByteReader, what: string): boolean {
  const flag = reader.u8(what);
  if (flag > 1) throw reader.corrupt(`bad ${what} ${flag}`);
  return flag === 1;
}

function finish(reader: ByteReader): void {
  if (reader.remaining() !== 0) throw reader.corrupt(`${reader.remaining()} trailing bytes`);
}

/** PAXOS_PREPARE, PAXOS_PROPOSE and PAXOS_COMMIT. */
export function encodeCommit(commit: Commit): Buffer {
  const writer = new ByteWriter();
  writeCommit(writer, commit);
  return writer.finish();
}

export function decodeCommit(payload: Buffer, source: string): Commit {
  const reader = new ByteReader(payload, source);
  const commit = readCommit(reader, 'commit');
  finish(reader);
  return commit;
}

export function encodePrepareResponse(response: PrepareResponse): Buffer {
  const writer = new ByteWriter();
  writer.u8(response.promised ? 1 : 0);
  writer.bytes(response.promisedBallot);
  for (const commit of [response.accepted, response.mostRecentCommit]) {
    writer.u8(commit === null ? 0 : 1);
    if (commit !== null) writeCommit(writer, commit);
  }
  return writer.finish();
}

export function decodePrepareResponse(payload: Buffer, source: string): PrepareResponse {
  const reader = new ByteReader(payload, source);
  const promised = readFlag(reader, 'promised flag');
  const promisedBallot = reader.bytes(BALLOT_BYTES, 'promised ballot');
  const accepted = readFlag(reader, 'accepted flag') ? readCommit(reader, 'accepted') : null;
  const mostRecentCommit = readFlag(reader, 'commit flag') ? readCommit(reader, 'most recent commit') : null;
  finish(reader);
  return { promised, promisedBallot, accepted, mostRecentCommit };
}

export function encodeProposeResponse(accepted: boolean): Buffer {
  return Buffer.from([accepted ? 1 : 0]);
}

export function decodeProposeResponse(payload: Buffer, source: string): boolean {
  const reader = new ByteReader(payload, source);
  const accepted = readFlag(reader, 'accepted flag');
  finish(reader);
  return accepted;
}
