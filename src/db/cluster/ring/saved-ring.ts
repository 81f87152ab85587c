// The ring as this node last knew it, kept on disk (Cassandra keeps it in system.peers and
// loads it at start: "Loading persisted ring state"). Without it a restarted node knows only
// itself and whichever peers gossip has told it about so far, and for those first seconds
// would coordinate writes and reads with the wrong replicas: a QUORUM write acknowledged by
// nodes that do not own the key, a QUORUM read that misses the newest value (found by the
// in-process QUORUM chaos test, test/harness/quorum-chaos.ts). With the saved ring it places
// replicas right from its first request; gossip then corrects whatever changed meanwhile.

import { CorruptionError } from '../../common/errors.js';
import { gossipEndpointsMax, numTokensMax, savedRingBytesMax as savedRingBytesBound } from '../../common/limits.js';
import type { Disk, Logger } from '../../common/world.js';
import { parseToken, tokenToString, type Token } from '../../dht/token.js';
import { parseEndpoint, type Endpoint } from '../endpoint.js';
import type { Location, TokenMetadata } from './token-metadata.js';

export interface SavedPeer {
  endpoint: Endpoint;
  tokens: Token[];
  location: Location;
}

/** The ring's owners other than localEndpoint (joining nodes are left to gossip). */
export function savedPeersOf(ring: TokenMetadata, localEndpoint: Endpoint): SavedPeer[] {
  return ring.endpoints()
    .filter((endpoint) => endpoint !== localEndpoint && ring.tokensOf(endpoint).length > 0)
    .map((endpoint) => ({ endpoint, tokens: [...ring.tokensOf(endpoint)], location: { ...ring.location(endpoint) } }));
}

export function encodeSavedRing(peers: readonly SavedPeer[]): string {
  return JSON.stringify(peers.map((peer) => ({
    endpoint: peer.endpoint, dataCenter: peer.location.dataCenter, rack: peer.location.rack, tokens: peer.tokens.map(tokenToString),
  })));
}

/** Parses a saved ring; CorruptionError (naming path) when it is not one. */
export function decodeSavedRing(text: string, path: string): SavedPeer[] {
  const fail = (detail: string) => new CorruptionError(path, 0, detail);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw fail(`not JSON: ${error.message}`);
    throw error;
  }
  if (!Array.isArray(parsed) || parsed.length > gossipEndpointsMax) throw fail(`not a list of at most ${gossipEndpointsMax} peers`);
  return parsed.map((entry: unknown, index) => {
    const peer = entry as { endpoint?: unknown; dataCenter?: unknown; rack?: unknown; tokens?: unknown };
    const { endpoint, dataCenter, rack, tokens } = peer;
    if (typeof endpoint !== 'string' || parseEndpoint(endpoint) === undefined) throw fail(`peer ${index}: bad endpoint`);
    if (typeof dataCenter !== 'string' || typeof rack !== 'string') throw fail(`peer ${index}: bad location`);
    if (!Array.isArray(tokens) || tokens.length === 0 || tokens.length > numTokensMax) throw fail(`peer ${index}: bad token count`);
    return { endpoint, location: { dataCenter, rack }, tokens: tokens.map((token: unknown) => parseSavedToken(token, () => fail(`peer ${index}: bad token`))) };
  });
}

function parseSavedToken(token: unknown, fail: () => Error): Token {
  if (typeof token !== 'string') throw fail();
  try {
    return parseToken(token);
  } catch (error) {
    if (error instanceof Error) throw fail();
    throw error;
  }
}

/** The saved ring at path: none when absent; a corrupt file is logged and ignored (gossip will tell). */
export async function loadSavedRing(disk: Disk, path: string, logger: Logger): Promise<SavedPeer[]> {
  if (!(await disk.exists(path))) return [];
  const bytes = await disk.readFile(path);
  try {
    if (bytes.length > savedRingBytesBound) throw new CorruptionError(path, 0, `${bytes.length} bytes, more than a ring can take`);
    return decodeSavedRing(bytes.toString('utf8'), path);
  } catch (error) {
    if (!(error instanceof CorruptionError)) throw error;
    logger.warn('saved ring ignored', { path, error: error.message });
    return [];
  }
}

/** Seeds a fresh ring with saved peers (before gossip starts; gossip overrides them). */
export function applySavedRing(ring: TokenMetadata, peers: readonly SavedPeer[], localEndpoint: Endpoint): void {
  for (const peer of peers) {
    if (peer.endpoint === localEndpoint) continue;
    ring.updateLocation(peer.endpoint, peer.location);
    ring.updateNormalTokens(peer.endpoint, peer.tokens);
  }
}

/** Writes the ring to path whenever it changed since the last save (temporary file, sync, rename). */
export class RingSaver {
  private lastSaved: string | undefined;

  constructor(private readonly options: { disk: Disk; path: string; directory: string; ring: TokenMetadata; localEndpoint: Endpoint }) {}

  async saveIfChanged(): Promise<boolean> {
    const text = encodeSavedRing(savedPeersOf(this.options.ring, this.options.localEndpoint));
    if (text === this.lastSaved) return false;
    const { disk, path, directory } = this.options;
    const temporary = `${path}.tmp`;
    if (await disk.exists(temporary)) await disk.remove(temporary);
    const file = await disk.openAppend(temporary);
    try {
      await file.append(Buffer.from(text, 'utf8'));
      await file.sync();
    } finally {
      await file.close();
    }
    await disk.rename(temporary, path);
    await disk.syncDirectory(directory);
    this.lastSaved = text;
    return true;
  }
}
