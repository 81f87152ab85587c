// The JSON of the cluster panel's endpoints (/api/cluster...), shared by the server
// (./cluster-view.ts) and the browser (../ui/cluster-panel.ts). They exist only when the app
// runs the local cluster itself (`aero start`); elsewhere they answer 404.

/** One node as the panel shows it: gossip's view of it (from a live node) and its process. */
export interface ClusterNodeView {
  /** node1, node2... as `aero cluster` names them. */
  name: string;
  address: string;
  /** Gossip's verdict (the failure detector of the observing node); UNKNOWN when no node answers. */
  status: 'UP' | 'DOWN' | 'UNKNOWN';
  state: 'NORMAL' | 'JOINING' | 'LEAVING' | 'MOVING';
  loadBytes: number | null;
  /** The node's tokens (decimal strings); empty when not known yet. */
  tokens: string[];
  /** Whether its process runs (what `aero start` knows, independent of gossip). */
  running: boolean;
  /** From the node's own /metrics; null when it does not answer. */
  hintsInProgress: number | null;
  hintsDelivered: number | null;
  readRepairs: number | null;
  /** A stop or start of this node under way (started from the panel). */
  operation: 'stopping' | 'starting' | null;
}

export interface ClusterView {
  keyspace: string;
  /** e.g. "SimpleStrategy, replication_factor 3". */
  replication: string;
  /** The node whose gossip view the statuses come from; null when none answered. */
  observedBy: string | null;
  nodes: ClusterNodeView[];
  /** The last stop/start result or failure, for the panel to show. */
  lastOperation: { node: string; action: 'stop' | 'start'; ok: boolean; message: string } | null;
  /** Milliseconds since the epoch when this view was gathered. */
  gatheredAtMs: number;
}

/** Where one table's partition of a flight lives and how the app reads and writes it. */
export interface PartitionPlacement {
  table: string;
  /** The Murmur3 token of the partition key, as a decimal string. */
  token: string;
  /** Addresses, the primary replica first (the ring walked clockwise). */
  replicas: string[];
  readConsistency: string;
  writeConsistency: string;
}

export interface FlightPlacementView {
  flightNumber: string;
  date: string;
  status: PartitionPlacement;
  tracking: PartitionPlacement;
}

export interface NodeOperationAccepted {
  node: string;
  action: 'stop' | 'start';
}
