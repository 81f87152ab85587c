"""The DataStax Python driver (Debian's python3-cassandra) speaking native protocol v5 to a node.

Usage: protocol_v5_check.py HOST PORT. Exits 0 when every check passes; an assertion says what
failed otherwise. Covers the v5 handshake (explicit and negotiated), checksummed segments with
and without LZ4, values larger than a segment, paging, result metadata ids across a schema
change (re-prepare, and the Metadata_changed flag) and per-query keyspaces.
"""
import logging
import os
import sys

from cassandra import ProtocolVersion
from cassandra.cluster import Cluster
from cassandra.query import BatchStatement, SimpleStatement

host, port = sys.argv[1], int(sys.argv[2])


class Downgrades(logging.Handler):
    """Collects the driver's protocol downgrade warnings."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        if "Downgrading core protocol version" in record.getMessage():
            self.messages.append(record.getMessage())


def connection_of(cluster):
    return cluster.control_connection._connection


# A driver left to negotiate starts above v5 (DSE versions), steps down, and stays at v5.
downgrades = Downgrades()
logging.getLogger("cassandra.cluster").addHandler(downgrades)
negotiated = Cluster([host], port=port, connect_timeout=20, control_connection_timeout=20)
negotiated.connect()
assert negotiated.protocol_version == ProtocolVersion.V5, negotiated.protocol_version
assert not any(" to 4 for " in message for message in downgrades.messages), downgrades.messages
assert connection_of(negotiated)._is_checksumming_enabled, "v5 frames are checksummed segments"
negotiated.shutdown()

cluster = Cluster([host], port=port, protocol_version=5, connect_timeout=20, control_connection_timeout=20)
session = cluster.connect()
assert connection_of(cluster).protocol_version == 5
session.execute("CREATE KEYSPACE py5 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
session.execute("CREATE TABLE py5.kv (k int PRIMARY KEY, v text)")
session.execute("INSERT INTO py5.kv (k, v) VALUES (1, 'one')")
assert session.execute("SELECT v FROM py5.kv WHERE k = 1").one().v == "one"

# Prepared statements carry a result metadata id; a schema change gives the statement another.
select = session.prepare("SELECT * FROM py5.kv WHERE k = ?")
first_id = select.result_metadata_id
assert first_id, "PREPARED carries a result metadata id in v5"
assert [c[2] for c in select.result_metadata] == ["k", "v"], select.result_metadata
assert session.execute(select, [1]).one() == (1, "one")
session.execute("ALTER TABLE py5.kv ADD extra int")
session.execute("UPDATE py5.kv SET extra = 7 WHERE k = 1")
row = session.execute(select, [1]).one()
# SELECT * lists regular columns in name order, as Cassandra does.
assert row._fields == ("k", "extra", "v") and row == (1, 7, "one"), row
assert select.result_metadata_id != first_id, "re-prepared after the change: a new result metadata id"
assert [c[2] for c in select.result_metadata] == ["k", "extra", "v"]

# A client holding stale result metadata (and its id) gets Metadata_changed with the columns.
current_id = select.result_metadata_id
select.result_metadata_id = first_id
select.result_metadata = select.result_metadata[:2]
row = session.execute(select, [1]).one()
assert row._fields == ("k", "extra", "v") and row == (1, 7, "one"), row
select.result_metadata_id = current_id

# Paging, with the paging state handed back by hand too.
session.execute("CREATE TABLE py5.paged (p int, c int, PRIMARY KEY (p, c))")
insert_paged = session.prepare("INSERT INTO py5.paged (p, c) VALUES (?, ?)")
for c in range(230):
    session.execute(insert_paged, [1, c])
paged = SimpleStatement("SELECT c FROM py5.paged WHERE p = 1", fetch_size=50)
assert [r.c for r in session.execute(paged)] == list(range(230))
page = session.execute(paged)
assert len(page.current_rows) == 50 and page.paging_state is not None
rest = session.execute(paged, paging_state=page.paging_state)
assert [r.c for r in rest.current_rows] == list(range(50, 100))
prepared_paged = session.prepare("SELECT c FROM py5.paged WHERE p = ?")
prepared_paged.fetch_size = 70
assert [r.c for r in session.execute(prepared_paged, [1])] == list(range(230))

# Values larger than a segment's 128 KiB payload go over several segments, both ways.
session.execute("CREATE TABLE py5.big (k int PRIMARY KEY, b blob, t text)")
random_blob = os.urandom(300 * 1024)
session.execute(session.prepare("INSERT INTO py5.big (k, b) VALUES (?, ?)"), [1, random_blob])
long_text = "vuelo " * 40000
session.execute("INSERT INTO py5.big (k, t) VALUES (2, '%s')" % long_text)
assert session.execute("SELECT b FROM py5.big WHERE k = 1").one().b == random_blob
assert session.execute("SELECT t FROM py5.big WHERE k = 2").one().t == long_text
assert len(list(session.execute("SELECT * FROM py5.big"))) == 2

# Per-query keyspace (v5 flag 0x80) on QUERY, PREPARE and BATCH, from a session without one.
assert session.execute(SimpleStatement("SELECT v FROM kv WHERE k = 1", keyspace="py5")).one().v == "one"
in_keyspace = session.prepare("SELECT v FROM kv WHERE k = ?", keyspace="py5")
assert session.execute(in_keyspace, [1]).one().v == "one"
batch = BatchStatement()
batch.add(SimpleStatement("INSERT INTO kv (k, v) VALUES (2, 'two')"))
batch.add(SimpleStatement("INSERT INTO kv (k, v) VALUES (3, 'three')"))
batch.keyspace = "py5"
session.execute(batch)
assert sorted(r.k for r in session.execute("SELECT k FROM py5.kv")) == [1, 2, 3]
cluster.shutdown()

# LZ4: compressed segments, with payloads that shrink and payloads that do not.
lz4_cluster = Cluster([host], port=port, protocol_version=5, compression="lz4", connect_timeout=20, control_connection_timeout=20)
lz4_session = lz4_cluster.connect("py5")
codec = connection_of(lz4_cluster)._segment_codec
assert codec is not None and codec.compression, "LZ4 segments negotiated"
repetitive = "AR1234 EZE-MAD " * 20000
lz4_session.execute(lz4_session.prepare("INSERT INTO big (k, t, b) VALUES (?, ?, ?)"), [3, repetitive, random_blob])
row = lz4_session.execute("SELECT t, b FROM big WHERE k = 3").one()
assert row.t == repetitive and row.b == random_blob
assert [r.c for r in lz4_session.execute(SimpleStatement("SELECT c FROM paged WHERE p = 1", fetch_size=100))] == list(range(230))
lz4_cluster.shutdown()

print("protocol v5 checks passed")
