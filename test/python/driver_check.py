"""The DataStax Python driver (Debian's python3-cassandra), unmodified, against a node.

Usage: driver_check.py HOST PORT. Exits 0 when every check passes; prints what failed otherwise.
The driver loads all schema metadata eagerly on connect, so connecting at all checks that every
system_schema table answers as Cassandra's do.
"""
import datetime
import decimal
import ipaddress
import sys
import uuid

from cassandra import InvalidRequest, Unavailable, AlreadyExists, ConsistencyLevel
from cassandra.cluster import Cluster
from cassandra.policies import FallthroughRetryPolicy
from cassandra.protocol import SyntaxException
from cassandra.query import BatchStatement, SimpleStatement
from cassandra.util import Date, Time, Duration

host, port = sys.argv[1], int(sys.argv[2])
cluster = Cluster([host], port=port, connect_timeout=20, control_connection_timeout=20)
session = cluster.connect()

session.execute("CREATE KEYSPACE py WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
session.execute("""CREATE TABLE py.t (a int, b text, c timestamp, v double, m map<text, int>,
    PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC)""")
cluster.refresh_schema_metadata()
table = cluster.metadata.keyspaces["py"].tables["t"]
assert [c.name for c in table.partition_key] == ["a", "b"], table.partition_key
assert [c.name for c in table.clustering_key] == ["c"], table.clustering_key
assert table.columns["c"].is_reversed, "c is DESC"
assert table.columns["m"].cql_type == "map<text, int>", table.columns["m"].cql_type
assert "CREATE TABLE py.t" in table.export_as_string()

types = [("c_ascii", "ascii", "abc"), ("c_text", "text", "héllo ✓"), ("c_int", "int", -2147483648),
         ("c_bigint", "bigint", 9223372036854775807), ("c_smallint", "smallint", -32768), ("c_tinyint", "tinyint", 127),
         ("c_varint", "varint", -123456789012345678901234567890), ("c_decimal", "decimal", decimal.Decimal("-12.345")),
         ("c_float", "float", 1.5), ("c_double", "double", 1e308), ("c_boolean", "boolean", True),
         ("c_uuid", "uuid", uuid.uuid4()), ("c_timeuuid", "timeuuid", uuid.uuid1()),
         ("c_timestamp", "timestamp", datetime.datetime(2024, 2, 29, 12, 30, 45, 123000)),
         ("c_date", "date", Date(datetime.date(1999, 12, 31))), ("c_time", "time", Time(86399999999999)),
         ("c_duration", "duration", Duration(1, 2, 3000000000)), ("c_inet", "inet", "2001:db8::1"),
         ("c_blob", "blob", b"\x00\x01\xff")]
session.execute("CREATE TABLE py.scalars (id int PRIMARY KEY, %s)" % ", ".join("%s %s" % (n, t) for n, t, _ in types))
insert = session.prepare("INSERT INTO py.scalars (id, %s) VALUES (?, %s)" % (", ".join(n for n, _, _ in types), ", ".join("?" for _ in types)))
session.execute(insert, [1] + [v for _, _, v in types])
session.execute(insert, [2] + [None for _ in types])
row = session.execute(session.prepare("SELECT * FROM py.scalars WHERE id = ?"), [1]).one()
for name, _, value in types:
    got = getattr(row, name)
    assert got == value, "%s: %r != %r" % (name, got, value)
row = session.execute("SELECT * FROM py.scalars WHERE id = 2").one()
for name, _, _ in types:
    assert getattr(row, name) is None, name

session.execute("CREATE TABLE py.paged (p int, c int, PRIMARY KEY (p, c))")
ins = session.prepare("INSERT INTO py.paged (p, c) VALUES (?, ?)")
for p in range(20):
    batch = BatchStatement()
    for c in range(50):
        batch.add(ins, (p, c))
    session.execute(batch)
seen = set()
for r in session.execute(SimpleStatement("SELECT p, c FROM py.paged", fetch_size=97)):
    assert (r.p, r.c) not in seen
    seen.add((r.p, r.c))
assert len(seen) == 1000, len(seen)

def expect(error_type, statement, **kwargs):
    try:
        session.execute(statement, **kwargs)
    except error_type:
        return
    raise AssertionError("expected %s from %s" % (error_type.__name__, statement))

expect(SyntaxException, "SELEC * FROM py.t")
expect(InvalidRequest, "SELECT * FROM py.nothing")
expect(AlreadyExists, "CREATE TABLE py.t (a int PRIMARY KEY)")
session.execute("CREATE KEYSPACE py3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}")
session.execute("CREATE TABLE py3.t (a int PRIMARY KEY)")
# The default retry policy tries the next host on Unavailable; fall through to see the error itself.
expect(Unavailable, SimpleStatement("INSERT INTO py3.t (a) VALUES (1)", consistency_level=ConsistencyLevel.QUORUM,
                                    retry_policy=FallthroughRetryPolicy()))
cluster.shutdown()
print("python driver checks passed")
