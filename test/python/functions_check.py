"""CQL functions through the DataStax Python driver (Debian's python3-cassandra), unmodified.

Usage: functions_check.py HOST PORT. Exits 0 when every check passes. Checks what the driver
decodes of aggregates (types and values), GROUP BY paging with fetch_size, SELECT JSON and
INSERT JSON, and that a FunctionFailure error body (keyspace, function, argument types) parses.
"""
import decimal
import json
import sys

from cassandra import FunctionFailure, InvalidRequest
from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement

host, port = sys.argv[1], int(sys.argv[2])
cluster = Cluster([host], port=port, connect_timeout=20, control_connection_timeout=20)
session = cluster.connect()

session.execute("CREATE KEYSPACE pyfn WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
session.execute("CREATE TABLE pyfn.t (p int, c int, i int, vi varint, de decimal, d double, PRIMARY KEY (p, c))")
insert = session.prepare("INSERT INTO pyfn.t (p, c, i, vi, de, d) VALUES (?, ?, ?, ?, ?, ?)")
for p in range(5):
    for c in range(40):
        session.execute(insert, [p, c, c, 10 ** 20 + c, decimal.Decimal("0.25") * c, c / 4])

row = session.execute("SELECT count(*), sum(i), avg(i), sum(vi), sum(de), max(d), min(de) FROM pyfn.t").one()
assert row[0] == 200, row
assert row[1] == 5 * sum(range(40)), row
assert row[2] == sum(range(40)) // 40, row
assert row[3] == 200 * 10 ** 20 + 5 * sum(range(40)), row
assert row[4] == decimal.Decimal("0.25") * 5 * sum(range(40)), row
assert row[5] == 39 / 4, row
assert row[6] == decimal.Decimal("0.00"), row

statement = SimpleStatement("SELECT p, c, count(*), sum(i) FROM pyfn.t GROUP BY p, c", fetch_size=7)
result = session.execute(statement)
pages = 1
groups = list(result.current_rows)
while result.has_more_pages:
    result.fetch_next_page()
    pages += 1
    assert len(result.current_rows) <= 7, len(result.current_rows)
    groups.extend(result.current_rows)
assert len(groups) == 200 and pages >= 28, (len(groups), pages)
assert all(g[2] == 1 and g[3] == g[1] for g in groups), groups[:3]

session.execute("INSERT INTO pyfn.t JSON '{\"p\": 9, \"c\": 1, \"i\": 5, \"vi\": 123456789012345678901234567890, \"de\": 1.50}'")
document = session.execute("SELECT JSON p, c, i, vi, de, d FROM pyfn.t WHERE p = 9").one()[0]
assert document == '{"p": 9, "c": 1, "i": 5, "vi": 123456789012345678901234567890, "de": 1.50, "d": null}', document
assert json.loads(document)["vi"] == 123456789012345678901234567890

try:
    session.execute("SELECT i / 0 FROM pyfn.t WHERE p = 1 AND c = 1")
    raise AssertionError("division by zero was answered")
except FunctionFailure as error:
    assert error.keyspace == "system" and error.function == "_divide" and error.arg_types == ["int", "int"], vars(error)
    assert "the operation 'int / int' failed: / by zero" in str(error), str(error)

try:
    session.execute("SELECT p FROM pyfn.t GROUP BY c")
    raise AssertionError("GROUP BY c was answered")
except InvalidRequest as error:
    assert "Group by currently only support groups of columns following their declared order in the PRIMARY KEY" in str(error), str(error)

cluster.shutdown()
print("ok")
