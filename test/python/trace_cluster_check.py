"""Query tracing on a 3-node cluster through the DataStax Python driver (python3-cassandra).

Usage: trace_cluster_check.py HOST PORT KEYSPACE [USER PASSWORD]. The keyspace exists at RF 3
with a table kv (k int PRIMARY KEY, v text). Requests go only to HOST (the coordinator);
get_query_trace reads system_traces, as cqlsh's TRACING ON does. A QUORUM write and a prepared
QUORUM read must show events from the coordinator and from at least one other replica, with
Cassandra's activities. With USER and PASSWORD it logs in (a cluster that requires logins).
Exits 0 when every check passes.
"""
import sys
import time

from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra.query import SimpleStatement

host, port, keyspace = sys.argv[1], int(sys.argv[2]), sys.argv[3]
login = {"auth_provider": PlainTextAuthProvider(sys.argv[4], sys.argv[5])} if len(sys.argv) > 5 else {}
cluster = Cluster([host], port=port, load_balancing_policy=WhiteListRoundRobinPolicy([host]),
                  connect_timeout=20, control_connection_timeout=20, **login)
session = cluster.connect()


def remote_activities(trace):
    return [(str(event.source), event.description) for event in trace.events if str(event.source) != host]


write = SimpleStatement(f"INSERT INTO {keyspace}.kv (k, v) VALUES (11, 'eleven')", consistency_level=ConsistencyLevel.QUORUM)
result = session.execute(write, trace=True)
trace = result.get_query_trace(max_wait_sec=10)
assert trace.request_type == "Execute CQL3 query", trace.request_type
assert str(trace.coordinator) == host, trace.coordinator
assert trace.duration is not None and trace.duration.total_seconds() > 0, trace.duration
assert trace.parameters["consistency_level"] == "QUORUM", trace.parameters
# The coordinator waits for two replicas; the third stores its events a moment later.
deadline = time.time() + 10
while len({source for source, _ in remote_activities(trace)}) < 2 and time.time() < deadline:
    time.sleep(0.2)
    trace.populate(max_wait=10)
remote = remote_activities(trace)
assert len({source for source, _ in remote}) == 2, remote
assert all(any(a == "Adding to kv memtable" for s, a in remote if s == source) for source, _ in remote), remote
assert any(event.description.startswith("Sending MUTATION message to /") for event in trace.events if str(event.source) == host), trace.events

read = session.prepare(f"SELECT v FROM {keyspace}.kv WHERE k = ?")
read.consistency_level = ConsistencyLevel.QUORUM
result = session.execute(read, [11], trace=True)
assert result.one().v == "eleven"
trace = result.get_query_trace(max_wait_sec=10)
assert trace.request_type == "Execute CQL3 prepared query", trace.request_type
assert trace.parameters["query"] == f"SELECT v FROM {keyspace}.kv WHERE k = ?", trace.parameters
remote = remote_activities(trace)
# The replica asked besides the coordinator stored its events before answering.
assert "Executing single-partition query on kv" in [a for _, a in remote], remote
assert all(event.source_elapsed is not None and event.thread_name for event in trace.events), trace.events

cluster.shutdown()
print("cluster tracing checks passed")
