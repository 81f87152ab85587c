// Every bound of the system in one place (house style 2: bound everything).
// Units come last in the name; *Max is an inclusive upper bound.

/** Largest frame body the native protocol server accepts (Cassandra's native_transport_max_frame_size). */
export const frameBodyBytesMax = 256 * 1024 * 1024;
/** Stream ids per connection in protocol v4 (signed 16-bit, non-negative for requests). */
export const streamIdMax = 32767;
/** Requests a single connection may have in flight before the server stops reading from it. */
export const connectionRequestsInFlightMax = 2048;
/** Longest CQL statement text accepted, in bytes. */
export const queryTextBytesMax = 16 * 1024 * 1024;
/** Parser nesting depth (parentheses, collection literals, nested types). */
export const parserDepthMax = 64;
/** Statements in one BATCH. */
export const batchStatementsMax = 65535;
/** Bound values in one statement. */
export const boundValuesMax = 65535;
/** Elements in one collection value. */
export const collectionElementsMax = 1 << 20;
/** Prepared statements a node remembers (least recently used are evicted). */
export const preparedStatementsMax = 10_000;
/** Values in one IN restriction. */
export const inValuesMax = 65535;
/** Rows in one result page when the client asks for no paging. */
export const resultRowsMax = 1_000_000;
/** Default page size when the client gives none (drivers normally send 5000). */
export const pageSizeDefault = 5000;
/** Length of a partition key, as in Cassandra (unsigned 16-bit length prefix). */
export const partitionKeyBytesMax = 65535;
/** Length of one clustering value. */
export const clusteringValueBytesMax = 65535;
/** Length of one cell value. */
export const cellValueBytesMax = 128 * 1024 * 1024;
/** Keyspace, table, column and role names (Cassandra: 48 characters for schema names). */
export const schemaNameLengthMax = 48;
/** Columns in one table. */
export const tableColumnsMax = 1024;
/** TTL in seconds (Cassandra: 20 years). */
export const ttlSecondsMax = 20 * 365 * 24 * 60 * 60;
/** Mutations applied in one commit-log group commit. */
export const commitLogGroupMutationsMax = 1024;
/** Size of one commit log segment file. */
export const commitLogSegmentBytesDefault = 32 * 1024 * 1024;
/** Largest single mutation accepted (Cassandra: half a commit log segment). */
export const mutationBytesMax = 16 * 1024 * 1024;
/** Memtable size at which it is flushed to an sstable, unless configured. */
export const memtableFlushBytesDefault = 64 * 1024 * 1024;
/** Compactions that may run at once. */
export const compactionConcurrencyMax = 1;
/** Client connections a node accepts at once. */
export const clientConnectionsMax = 1024;
/** Tokens (vnodes) one node may own (Cassandra refuses num_tokens above 1536). */
export const numTokensMax = 1536;
/** Seed addresses in a node's configuration. */
export const seedsMax = 64;
/** Largest memtable_flush_bytes a configuration may set. */
export const memtableFlushBytesMax = 4 * 1024 * 1024 * 1024;
/** Largest sstable block payload a reader accepts (a block holds at least one whole row, whose cells may be large). */
export const sstableBlockBytesMax = 512 * 1024 * 1024;
/** Largest sstable bloom filter, in bytes (about 400 million partitions at a 1% false positive chance). */
export const sstableBloomBytesMax = 512 * 1024 * 1024;
/** Length of a column or user-type field name (Cassandra has no explicit bound; quoted names may be long). */
export const columnNameLengthMax = 1024;
/** Memtables of one table waiting for their flush before writes to that table wait too (back-pressure). */
export const memtablesFlushingMax = 4;
/** Largest internode message payload (checked from the frame header before buffering). */
export const internodePayloadBytesMax = 256 * 1024 * 1024;
/** Messages queued for one peer (while connecting or when the socket pushes back); more are dropped. */
export const internodeOutboundMessagesMax = 8192;
/** Bytes queued for one peer; more are dropped (the sender's request then times out). */
export const internodeOutboundBytesMax = 128 * 1024 * 1024;
/** Bytes of queued internode frames that are written at once instead of waiting for the turn's end. */
export const internodeCoalesceBytesMax = 256 * 1024;
/** Internode requests awaiting a response on one node. */
export const internodeRequestsPendingMax = 65536;
/** Length of an endpoint's text form (host:port). */
export const endpointTextLengthMax = 300;
/** Endpoints gossip tracks (cluster size bound). */
export const gossipEndpointsMax = 1024;
/** Length of one gossip application state value (TOKENS of 1536 vnodes is about 32 KiB). */
export const gossipValueBytesMax = 128 * 1024;
/** Inter-arrival samples the failure detector keeps per endpoint (Cassandra: 1000). */
export const failureDetectorSamplesMax = 1000;
/** Event frames a client connection may leave unwritten (socket buffer full) before it is dropped as too slow. */
export const connectionEventBacklogMax = 1024;
/** Characters of a statement's text put in one debug log line. */
export const logStatementCharactersMax = 200;
/** Body of an admin-channel request (its requests carry none). */
export const adminRequestBodyBytesMax = 1024;
/** Nodes of a local cluster (`aero cluster start`): node i listens on 127.0.0.i. */
export const localClusterNodesMax = 64;
/** Body of an admin-channel /status response the CLI accepts (peers with their tokens included). */
export const adminStatusBytesMax = 16 * 1024 * 1024;
/** Bytes of a node's log the CLI shows when the node fails to start. */
export const logTailBytesMax = 4096;
/** Internode requests one node serves at once; more are answered at once with an overloaded failure. */
export const internodeRequestsServedMax = 4096;
/** Inbound internode connections one node accepts (peers open one each, plus reconnects). */
export const internodeInboundConnectionsMax = 4096;
/** Hints a coordinator keeps for one down replica; more are dropped (repair then restores it). */
export const hintsPerEndpointMax = 100_000;
/** Times a coordinator re-reads with a larger limit when merged replicas come up short (deleted rows). */
export const shortReadRetriesMax = 4;
/** Logged batches one node holds for other coordinators (batchlog entries awaiting removal). */
export const batchlogEntriesMax = 100_000;
/** Rows an auth table read (all roles, all permissions) may return. */
export const authRowsMax = 100_000;
/** Roles (and credentials) the auth caches hold; the oldest entry goes first. */
export const authCacheEntriesMax = 10_000;
/** Client addresses whose failed logins are remembered for slowing down repeated failures. */
export const loginThrottleAddressesMax = 10_000;
/** Roles one role may inherit, transitively (GRANT role TO role). */
export const inheritedRolesMax = 1024;
/** Bytes of a SASL PLAIN token (authzid, user and password). */
export const saslTokenBytesMax = 4096;
/** Bytes of answers a client connection gathers before writing them at once (it writes sooner at the end of a turn). */
export const responseCoalesceBytesMax = 256 * 1024;
