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

# Lightweight transactions (issue 13): [applied] first, the current values when not applied.
session.execute("CREATE TABLE py.lwt (k int, c int, v text, PRIMARY KEY (k, c))")
assert session.execute("INSERT INTO py.lwt (k, c, v) VALUES (1, 1, 'a') IF NOT EXISTS").was_applied
lost = session.execute("INSERT INTO py.lwt (k, c, v) VALUES (1, 1, 'b') IF NOT EXISTS")
assert not lost.was_applied
assert (lost.one().k, lost.one().c, lost.one().v) == (1, 1, 'a'), lost.one()
failed = session.execute("UPDATE py.lwt SET v = 'c' WHERE k = 1 AND c = 1 IF v = 'z'")
assert not failed.was_applied and failed.one().v == 'a', failed.one()
conditional = BatchStatement()
conditional.add(SimpleStatement("UPDATE py.lwt SET v = 'd' WHERE k = 1 AND c = 1 IF v = 'a'"))
conditional.add(SimpleStatement("INSERT INTO py.lwt (k, c, v) VALUES (1, 2, 'e') IF NOT EXISTS"))
assert session.execute(conditional).was_applied
serial = session.execute(SimpleStatement("SELECT c, v FROM py.lwt WHERE k = 1", consistency_level=ConsistencyLevel.SERIAL))
assert [(r.c, r.v) for r in serial] == [(1, 'd'), (2, 'e')]
expect(InvalidRequest, "INSERT INTO py.lwt (k, c) VALUES (1, 3) IF NOT EXISTS USING TIMESTAMP 1")

# Counters.
session.execute("CREATE TABLE py.counts (k text PRIMARY KEY, n counter)")
bump = session.prepare("UPDATE py.counts SET n = n + ? WHERE k = ?")
for i in range(10):
    session.execute(bump, (i, 'x'))
session.execute("UPDATE py.counts SET n = n - 5 WHERE k = 'x'")
assert session.execute("SELECT n FROM py.counts WHERE k = 'x'").one().n == 40
expect(InvalidRequest, "INSERT INTO py.counts (k, n) VALUES ('y', 1)")

cluster.shutdown()
print("python driver checks passed")
