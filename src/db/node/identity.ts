// The node's lasting identity: its host id and tokens, chosen at first start and kept in the
// data directory (Cassandra keeps them in system.local), so a restart rejoins the ring as the
// same node with the same data.

import { CorruptionError } from '../common/errors.js';
import type { Disk, Random } from '../common/world.js';
import { MAX_TOKEN, MIN_TOKEN } from '../dht/token.js';

export interface NodeIdentity {
  hostId: string;
  /** Sorted, distinct, never MIN_TOKEN. */
  tokens: bigint[];
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newIdentity(random: Random, numTokens: number): NodeIdentity {
  const id = random.bytes(16);
  id[6] = ((id[6] ?? 0) & 0x0f) | 0x40;
  id[8] = ((id[8] ?? 0) & 0x3f) | 0x80;
  const tokens = new Set<bigint>();
  while (tokens.size < numTokens) {
    const token = random.bytes(8).readBigInt64BE(0);
    if (token !== MIN_TOKEN && token <= MAX_TOKEN) tokens.add(token);
  }
  return { hostId: formatUuid(id), tokens: [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** Reads the identity file, or creates and durably writes a new identity when there is none. */
export async function loadOrCreateIdentity(disk: Disk, directory: string, options: { random: Random; numTokens: number; initialTokens?: readonly bigint[] }): Promise<NodeIdentity> {
  const path = `${directory}/identity.json`;
  if (await disk.exists(path)) {
    const bytes = await disk.readFile(path);
    try {
      const parsed = JSON.parse(bytes.toString('utf8')) as { hostId?: unknown; tokens?: unknown };
      if (typeof parsed.hostId !== 'string' || !Array.isArray(parsed.tokens) || parsed.tokens.some((t) => typeof t !== 'string')) {
        throw new Error('missing hostId or tokens');
      }
      return { hostId: parsed.hostId, tokens: (parsed.tokens as string[]).map((t) => BigInt(t)) };
    } catch (error) {
      throw new CorruptionError(path, 0, `unreadable node identity: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const identity = newIdentity(options.random, options.numTokens);
  // initial_token, as in Cassandra, replaces the random tokens of a first start.
  if (options.initialTokens !== undefined && options.initialTokens.length > 0) identity.tokens = [...options.initialTokens];
  const temporary = `${path}.tmp`;
  if (await disk.exists(temporary)) await disk.remove(temporary);
  const file = await disk.openAppend(temporary);
  await file.append(Buffer.from(JSON.stringify({ hostId: identity.hostId, tokens: identity.tokens.map(String) }, null, 2)));
  await file.sync();
  await file.close();
  await disk.rename(temporary, path);
  await disk.syncDirectory(directory);
  return identity;
}
