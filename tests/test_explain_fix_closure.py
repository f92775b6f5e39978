"""explain_query's printed fixes converge (#11): applied with `psql -v ON_ERROR_STOP=1 -f`, as
printed, and the query explained again, the finding is gone.

EXP002's fix is SQL (ANALYZE, then extended statistics when several columns combine); EXP001's
points at suggest_indexes(queries=[this query]), whose DDL is applied the same way.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from server.db import read_only_transaction
from tests.conftest import run_ddl
from tests.test_explain import EVENTS
from tests.test_indexes_fix_closure import advise, script
from tests.test_isolation_fix_closure import apply, statements
from tools.explain.query import ExplainResult, explain_query, render_explain
from tools.findings import Finding

# Stale statistics: analysed empty, then filled, with autovacuum kept away from it.
STALE = """
CREATE TABLE readings (id int PRIMARY KEY, sensor int NOT NULL, value int NOT NULL)
    WITH (autovacuum_enabled = off);
ANALYZE readings;
INSERT INTO readings SELECT g, g % 3, g FROM generate_series(1, 30000) g;
"""


def explain(url: str, query: str, analyze: bool) -> ExplainResult:
    with (
        psycopg.connect(url, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        return explain_query(tx, query, analyze=analyze)


def only(result: ExplainResult, code: str) -> Finding:
    (found,) = [f for f in result.findings if f.code == code and f.severity == "warning"]
    return found


@pytest.mark.parametrize(
    ("ddl", "template", "fixed_by"),
    [
        pytest.param(
            EVENTS,
            "SELECT * FROM {s}.events WHERE a = 7 AND b = 7",
            "CREATE STATISTICS",
            id="correlated-columns",
        ),
        pytest.param(STALE, "SELECT * FROM {s}.readings WHERE sensor = 1", "ANALYZE", id="stale"),
    ],
)
def test_misestimate_fix_applies_with_psql_and_silences_it(
    admin, pg_url, schema, tmp_path: Path, ddl, template, fixed_by
):
    run_ddl(admin, schema, ddl)
    query = template.format(s=schema)
    before = only(explain(pg_url, query, analyze=True), "EXP002")
    assert fixed_by in (before.fix or "") and statements(before.fix), before.fix
    apply(pg_url, before.fix or "", tmp_path)
    after = explain(pg_url, query, analyze=True)
    assert "EXP002" not in {f.code for f in after.findings}, render_explain(after)


def test_seq_scan_fix_through_suggest_indexes_applies_and_silences_it(
    admin, pg_url, schema, tmp_path: Path
):
    run_ddl(admin, schema, EVENTS)
    query = f"SELECT * FROM {schema}.events WHERE account_id = 42"
    before = only(explain(pg_url, query, analyze=False), "EXP001")
    assert "suggest_indexes(queries=[this query])" in (before.fix or "")
    advice = advise(pg_url, schema, queries=[query])
    assert advice.suggestions, advice.notes
    apply(pg_url, script(advice), tmp_path)
    run_ddl(admin, schema, "ANALYZE events")
    after = explain(pg_url, query, analyze=False)
    assert "EXP001" not in {f.code for f in after.findings}, render_explain(after)
    assert advise(pg_url, schema, queries=[query]).suggestions == []
