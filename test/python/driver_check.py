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

# Collections by cell (issue 13): element updates, prepends, element deletes, nulls, empty
# collections (read back as null unless frozen), sets and maps in comparator order.
from cassandra.util import SortedSet
session.execute("""CREATE TABLE py.coll (k int PRIMARY KEY, s set<text>, i set<int>, l list<int>, m map<text, int>,
    fl frozen<list<int>>, fs frozen<set<int>>)""")
session.execute("INSERT INTO py.coll (k, s, i, l, m) VALUES (1, {'b', 'a', 'c', 'a'}, {3, -5, 1, -1}, [3, 1, 2], {'z': 1, 'a': 2, 'm': 3})")
row = session.execute("SELECT * FROM py.coll WHERE k = 1").one()
assert isinstance(row.s, SortedSet) and list(row.s) == ['a', 'b', 'c'], row.s
assert list(row.i) == [-5, -1, 1, 3], row.i
assert row.l == [3, 1, 2], row.l
assert list(row.m.items()) == [('a', 2), ('m', 3), ('z', 1)], row.m
session.execute("UPDATE py.coll SET s = s + {'d', 'aa'}, s = s - {'b'} WHERE k = 1")
session.execute("UPDATE py.coll SET l = l + [4], m['q'] = 7, m['z'] = 10 WHERE k = 1")
session.execute("UPDATE py.coll SET l = [0] + l WHERE k = 1")
session.execute("UPDATE py.coll SET l[1] = 9 WHERE k = 1")
session.execute("DELETE m['a'], l[0] FROM py.coll WHERE k = 1")
by_element = session.prepare("UPDATE py.coll SET m[?] = ?, s = s + ?, i = i - ? WHERE k = ?")
session.execute(by_element, ('b', 5, {'e'}, {3, 1}, 1))
row = session.execute("SELECT s, i, l, m FROM py.coll WHERE k = 1").one()
assert list(row.s) == ['a', 'aa', 'c', 'd', 'e'], row.s
assert list(row.i) == [-5, -1], row.i
assert row.l == [9, 1, 2, 4], row.l
assert list(row.m.items()) == [('b', 5), ('m', 3), ('q', 7), ('z', 10)], row.m
# A null element value deletes the element; nulls inside collection literals are refused.
session.execute("UPDATE py.coll SET m['m'] = null WHERE k = 1")
assert list(session.execute("SELECT m FROM py.coll WHERE k = 1").one().m.keys()) == ['b', 'q', 'z']
expect(InvalidRequest, "UPDATE py.coll SET l = [1, null] WHERE k = 1")
expect(InvalidRequest, "UPDATE py.coll SET s = {'x', null} WHERE k = 1")
expect(InvalidRequest, "UPDATE py.coll SET l[10] = 1 WHERE k = 1")
expect(InvalidRequest, "DELETE l[10] FROM py.coll WHERE k = 1")
# Empty non-frozen collections are no cells at all: null. Frozen empty ones are values.
session.execute("UPDATE py.coll SET s = {}, l = [], fl = [], fs = {} WHERE k = 1")
session.execute("UPDATE py.coll SET m = m - {'b', 'q', 'z'}, i = i - {-5, -1} WHERE k = 1")
row = session.execute("SELECT s, i, l, m, fl, fs FROM py.coll WHERE k = 1").one()
assert (row.s, row.i, row.l, row.m) == (None, None, None, None), row
assert list(row.fl) == [] and row.fl is not None and row.fs is not None and len(row.fs) == 0, row
session.execute("INSERT INTO py.coll (k, s, m) VALUES (2, null, {})")
row = session.execute("SELECT s, m FROM py.coll WHERE k = 2").one()
assert (row.s, row.m) == (None, None), row
# Appends through different statements keep their order; a whole-list write replaces the elements.
for v in range(5):
    session.execute(session.prepare("UPDATE py.coll SET l = l + ? WHERE k = 3"), ([v],))
assert session.execute("SELECT l FROM py.coll WHERE k = 3").one().l == [0, 1, 2, 3, 4]
session.execute("UPDATE py.coll SET l = [7] WHERE k = 3")
assert session.execute("SELECT l FROM py.coll WHERE k = 3").one().l == [7]

cluster.shutdown()
print("python driver checks passed")
