"""Server-side DESCRIBE and query tracing through the DataStax Python driver (python3-cassandra).

Usage: describe_trace_check.py HOST PORT. cqlsh 6 sends DESCRIBE as a plain query and reads
keyspace_name, type, name, create_statement; TRACING ON reads the trace with the driver's
get_query_trace. Exits 0 when every check passes.
"""
import sys

from cassandra import InvalidRequest
from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement

host, port = sys.argv[1], int(sys.argv[2])
cluster = Cluster([host], port=port, connect_timeout=20, control_connection_timeout=20)
session = cluster.connect()

session.execute("CREATE KEYSPACE pyd WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
session.execute("CREATE TYPE pyd.point (x double, y double)")
session.execute("""CREATE TABLE pyd.t (a int, b text, c timestamp, p frozen<point>, m map<text, int>,
    PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC) AND comment = 'from python'""")

rows = list(session.execute("DESCRIBE KEYSPACE pyd"))
assert [(r.keyspace_name, r.type, r.name) for r in rows] == [("pyd", "keyspace", "pyd"), ("pyd", "type", "point"), ("pyd", "table", "t")], rows
table = rows[2].create_statement
assert table.startswith("CREATE TABLE pyd.t (\n    a int,\n    b text,\n    c timestamp,\n    m map<text, int>,\n    p frozen<point>,\n"), table
assert "PRIMARY KEY ((a, b), c)\n) WITH CLUSTERING ORDER BY (c DESC)\n    AND additional_write_policy = '99p'" in table, table
assert "    AND comment = 'from python'\n" in table, table

# Replayed after a drop, the statements describe the same schema.
session.execute("DROP KEYSPACE pyd")
for row in rows:
    session.execute(row.create_statement)
again = [r.create_statement for r in session.execute("DESCRIBE KEYSPACE pyd")]
assert again == [r.create_statement for r in rows], (again, rows)

listing = list(session.execute("DESCRIBE TABLES"))
assert ("pyd", "table", "t") in [(r.keyspace_name, r.type, r.name) for r in listing], listing
try:
    session.execute("DESCRIBE TABLE pyd.missing")
    raise AssertionError("DESCRIBE of a missing table succeeded")
except InvalidRequest as error:
    assert "Table 'missing' not found in keyspace 'pyd'" in str(error), error

# Tracing: the driver reads the session and its events from system_traces.
session.execute("INSERT INTO pyd.t (a, b, c, m) VALUES (1, 'x', '2024-01-01', {'k': 1})")
result = session.execute(SimpleStatement("SELECT m FROM pyd.t WHERE a = 1 AND b = 'x'"), trace=True)
assert result.one().m == {"k": 1}
trace = result.get_query_trace(max_wait_sec=10)
assert trace.request_type == "Execute CQL3 query", trace.request_type
assert trace.parameters["query"] == "SELECT m FROM pyd.t WHERE a = 1 AND b = 'x'", trace.parameters
assert str(trace.coordinator) == host, trace.coordinator
activities = [event.description for event in trace.events]
assert "Executing single-partition query on t" in activities, activities
assert all(event.source_elapsed is not None and event.thread_name for event in trace.events), trace.events

cluster.shutdown()
print("describe and tracing checks passed")
