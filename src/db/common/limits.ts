// Every bound of the system in one place (house style 2: bound everything).
// Units come last in the name; *Max is an inclusive upper bound. Facts of a format (the
// largest value a [short] or an int32 can hold, LZ4's match offset) are not choices and stay
// beside the codec that owns the format.

/** Largest frame body the native protocol server accepts by default (Cassandra 4.1's native_transport_max_frame_size: 16MiB). */
export const frameBodyBytesDefault = 16 * 1024 * 1024;
/** The most native_transport_max_frame_size may allow (Cassandra 4.0's default). */
export const frameBodyBytesMax = 256 * 1024 * 1024;
/** Bytes of client requests a node holds at once, unless native_transport_max_request_data_in_flight says otherwise. */
export const requestDataInFlightBytesDefault = 128 * 1024 * 1024;
/** Bytes of requests the clients of one address hold at once, unless native_transport_max_request_data_in_flight_per_ip says otherwise. */
export const requestDataInFlightPerAddressBytesDefault = 32 * 1024 * 1024;
/** The most either request-data bound may be set to. */
export const requestDataInFlightBytesConfigurableMax = 64 * 1024 * 1024 * 1024;
/** Stream ids per connection in protocol v4 (signed 16-bit, non-negative for requests). */
export const streamIdMax = 32767;
/** Requests a single connection may have in flight before the server stops reading from it. */
export const connectionRequestsInFlightMax = 2048;
/** Client requests a node runs at once, all connections together (Cassandra's native_transport_max_threads); the rest wait their turn (transport/request-scheduler.ts). */
export const clientRequestsRunningMax = 128;
/**
 * Milliseconds of one event-loop turn during which the scheduler starts client requests; the
 * rest start in the next turn (transport/request-scheduler.ts), so timers, gossip and socket
 * reads are never held behind a backlog of requests that finish synchronously.
 */
export const clientRequestsTurnMs = 2;
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
/** Bytes of a keyspace name in an internode message (names are short; bounded generously). */
export const keyspaceBytesMax = 1024;
/** Bytes of a table id in an internode message (a UUID's text; bounded generously). */
export const tableIdBytesMax = 1024;
/** Replication factor of one keyspace or datacenter; more is surely a typo (Cassandra has no bound; we bound everything). */
export const replicationFactorMax = 1000;
/** Properties in one WITH clause of a DDL statement. */
export const propertiesMax = 256;
/** Argument types of a FUNCTION resource in GRANT and REVOKE. */
export const functionArgumentsMax = 256;
/** Relations or conditions in one WHERE or IF clause. */
export const clauseItemsMax = 1024;
/** Characters of a token or of its context quoted in a syntax error; long literals are cut. */
export const errorTextLengthMax = 100;
/**
 * Decimal exponent difference beyond which two decimals compare by magnitude alone (a value is
 * under 64 KiB, so under 160k digits: a larger gap cannot be closed by the digits).
 */
export const decimalScaleGapMax = 400_000;
/** Cells in one row: every column, and the elements of its non-frozen collections. */
export const rowCellsMax = 1 << 22;
/** Columns in one table. */
export const tableColumnsMax = 1024;
/** TTL in seconds (Cassandra: 20 years). */
export const ttlSecondsMax = 20 * 365 * 24 * 60 * 60;
/** Mutations applied in one commit-log group commit. */
export const commitLogGroupMutationsMax = 1024;
/** A commit-log group larger than this is appended through the thread pool, not on the event loop (periodic mode): the loop serves other clients meanwhile. */
export const commitLogInlineAppendBytesMax = 256 * 1024;
/** Size of one commit log segment file. */
export const commitLogSegmentBytesDefault = 32 * 1024 * 1024;
/** Largest single mutation accepted (Cassandra: half a commit log segment). */
export const mutationBytesMax = 16 * 1024 * 1024;
/**
 * Length of one encoded clustering key or slice bound (schema/clustering-key.ts refuses longer
 * ones with Invalid), the one bound of mutations, sstables and internode reads. A value is at
 * most clusteringValueBytesMax on the wire and up to about twice that encoded (0x00 bytes are
 * escaped), so a few dozen clustering columns reach several MiB (Cassandra bounds only each
 * value); a row must fit in one mutation, so this is mutationBytesMax.
 */
export const clusteringBytesMax = mutationBytesMax;
/** Largest commit log entry (a group of up to commitLogGroupMutationsMax mutations), bounded by mutationBytesMax, generously. */
export const commitLogEntryBytesMax = 4 * mutationBytesMax;
/** Memtable size at which it is flushed to an sstable, unless configured. */
export const memtableFlushBytesDefault = 64 * 1024 * 1024;
/** Compactions that may run at once. */
export const compactionConcurrencyMax = 1;
/** Client connections a node accepts at once, unless native_transport_max_concurrent_connections says otherwise. */
export const clientConnectionsMax = 1024;
/** The most native_transport_max_concurrent_connections may allow (each connection holds buffers and a file descriptor). */
export const clientConnectionsConfigurableMax = 65_536;
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
/** Hash functions of a bloom filter (more costs time for no gain in false positives at any useful size). */
export const bloomHashCountMax = 30;
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
/** Bytes of the message text in an internode failure response; longer texts are cut. */
export const failureMessageBytesMax = 4096;
/** Bytes of a digest in an internode read response (an MD5 digest is 16). */
export const digestBytesMax = 64;
/** Bytes of a schema document (every keyspace, table and type as JSON) pushed or pulled between nodes. */
export const schemaDocumentBytesMax = 64 * 1024 * 1024;
/** Bytes of one stored hint record (a mutation with its target and metadata) that a hint store reads back. */
export const hintRecordBytesMax = 64 * 1024 * 1024;
/** Replica lists token metadata caches per (replication, range); the cache is cleared on every ring change. */
export const replicaCacheEntriesMax = 100_000;
/** Length of an endpoint's text form (host:port). */
export const endpointTextLengthMax = 300;
/** Endpoints gossip tracks (cluster size bound). */
export const gossipEndpointsMax = 1024;
/** Length of one gossip application state value (TOKENS of 1536 vnodes is about 32 KiB). */
export const gossipValueBytesMax = 128 * 1024;
/** Cluster names are free text in the configuration; gossip carries them, bounded generously. */
export const clusterNameBytesMax = 1024;
/** Bytes of a partitioner's class name in gossip. */
export const partitionerBytesMax = 256;
/** A gossip generation this far ahead of the known one is refused (Cassandra: one year in seconds). */
export const generationDifferenceMax = 86_400 * 365;
/** Bytes a node's saved ring (endpoints with their tokens, as JSON) may take. */
export const savedRingBytesMax = gossipEndpointsMax * (numTokensMax * 24 + 512);
/** Inter-arrival samples the failure detector keeps per endpoint (Cassandra: 1000). */
export const failureDetectorSamplesMax = 1000;
/** Event frames a client connection may leave unwritten (socket buffer full) before it is dropped as too slow. */
export const connectionEventBacklogMax = 1024;
/** Characters of a statement's text put in one debug log line. */
export const logStatementCharactersMax = 200;
/** Body of an admin-channel request (its requests carry none). */
export const adminRequestBodyBytesMax = 1024;
/** Request line and headers of an admin-channel request (curl and fetch send a few hundred bytes). */
export const adminRequestHeadBytesMax = 8 * 1024;
/** Nodes of a local cluster (`aero cluster start`): node i listens on 127.0.0.i. */
export const localClusterNodesMax = 64;
/** Nodes `aero start` runs (the flight app with its local cluster). */
export const startNodesMax = 9;
/** Seconds `aero cluster start --start-timeout` may wait for the nodes. */
export const startTimeoutSecondsMax = 600;
/** Days a certificate made by `aero certs` may be valid. */
export const certificateValidDaysMax = 3650;
/** Logins the CLI tries while a new role reaches every node's cache (2 s) or the default superuser appears. */
export const loginAttemptsMax = 30;
/** Connections the CLI retries when nodes just started time out (TLS, bcrypt on a busy machine). */
export const unavailableAttemptsMax = 10;
/** Times the CLI runs the flight app's role and keyspace setup. */
export const setupAttemptsMax = 3;
/** Body of an admin-channel /status response the CLI accepts (peers with their tokens included). */
export const adminStatusBytesMax = 16 * 1024 * 1024;
/** Bytes of a node's log the CLI shows when the node fails to start. */
export const logTailBytesMax = 4096;
/** Log lines a node keeps while its log destination cannot be written (a full disk); beyond it they are dropped. */
export const logBufferBytesMax = 16 * 1024 * 1024;
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
/** Microtasks a client connection's flush waits for more answers while they keep arriving (bounds the delay). */
export const responseFlushHopsMax = 3;
/** Bytes of partitions in one repair SYNC message (a page; one larger partition still goes alone, bounded by mutationBytesMax). */
export const repairSyncBytesMax = 1024 * 1024;
/** A streaming page (bootstrap, decommission, removenode): partitions until it passes this many bytes. */
export const streamPageBytesMax = 1024 * 1024;
/** Stream sessions netstats remembers (the oldest finished ones are forgotten first). */
export const streamSessionsKeptMax = 64;
/** Bytes a client may send behind a protocol v5 STARTUP before its answer (a client waits for it: little comes). */
export const segmentBacklogBytesMax = 1024 * 1024;

/** Characters of the JSON a user-defined function's call may return (a larger result fails the call). */
export const userFunctionResultCharsMax = 16 * 1024 * 1024;
