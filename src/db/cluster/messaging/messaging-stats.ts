// What the messaging service counts as it sends, receives and serves internode messages, for
// nodetool tpstats (each verb's handler work is a stage: running now, completed) and the
// system_views internode_inbound / internode_outbound tables (messages and bytes per peer).

export interface VerbWork {
  /** Handlers of this verb running now (their promise has not settled). */
  active: number;
  completed: number;
  failed: number;
}

export interface PeerTraffic {
  sentCount: number;
  sentBytes: number;
  /** Outbound messages the transport refused. */
  droppedCount: number;
  droppedBytes: number;
  receivedCount: number;
  receivedBytes: number;
  /** Inbound messages handed to a handler or to the request waiting for them. */
  processedCount: number;
  processedBytes: number;
  /** Inbound frames that did not decode or whose handler failed. */
  errorCount: number;
  errorBytes: number;
}

const emptyTraffic = (): PeerTraffic => ({
  sentCount: 0, sentBytes: 0, droppedCount: 0, droppedBytes: 0, receivedCount: 0, receivedBytes: 0,
  processedCount: 0, processedBytes: 0, errorCount: 0, errorBytes: 0,
});

export class MessagingStats {
  private readonly verbs = new Map<string, VerbWork>();
  private readonly peers = new Map<string, PeerTraffic>();

  work(verb: string): VerbWork {
    let work = this.verbs.get(verb);
    if (work === undefined) {
      work = { active: 0, completed: 0, failed: 0 };
      this.verbs.set(verb, work);
    }
    return work;
  }

  traffic(peer: string): PeerTraffic {
    let traffic = this.peers.get(peer);
    if (traffic === undefined) {
      traffic = emptyTraffic();
      this.peers.set(peer, traffic);
    }
    return traffic;
  }

  verbWork(): ReadonlyMap<string, Readonly<VerbWork>> {
    return this.verbs;
  }

  peerTraffic(): ReadonlyMap<string, Readonly<PeerTraffic>> {
    return this.peers;
  }
}
