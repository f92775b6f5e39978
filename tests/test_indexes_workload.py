"""suggest_indexes workload rules: candidates from queries, proven with HypoPG when it is there."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

import tools.indexes.workload as index_workload
from server.db import read_only_transaction
from tools.catalog import fetch_snapshot
from tools.errors import ConfigError
from tools.indexes.access import analyze_query
from tools.indexes.candidates import generate_candidates
from tools.indexes.suggest import render_indexes, suggest_indexes
from tools.query_safety import check_query

SCHEMA = """
CREATE TYPE state AS ENUM ('open', 'closed');
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    customer_email text NOT NULL,
    state state NOT NULL,
    total numeric NOT NULL,
    created_at timestamptz NOT NULL,
    deleted_at timestamptz
);
INSERT INTO orders
SELECT g, g % 200, 'c' || (g % 5000) || '@example.com',
       CASE WHEN g % 50 = 0 THEN 'open' ELSE 'closed' END::state,
       g % 1000, timestamptz '2025-01-01' + g * interval '1 minute',
       CASE WHEN g % 10 = 0 THEN timestamptz '2025-06-01' END
FROM generate_series(1, 40000) g;
ANALYZE orders;
"""


@pytest.fixture
def hypopg(hypopg_available: bool, server_version: int) -> None:
    if not hypopg_available:
        pytest.skip("HypoPG is not available on this server (install postgresql-NN-hypopg)")


def _hypothetical(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM hypopg_list_indexes").fetchone()
    assert row is not None  # count(*) always returns its row
    return row[0]


def _workload(advice):
    return [s for s in advice.suggestions if s.rule == "workload_index"]


def test_workload_with_known_best_index_gets_exactly_it(hypopg, ddl, ro, schema):
    ddl(SCHEMA)
    advice = suggest_indexes(ro, schema, ["SELECT * FROM orders WHERE customer_email = $1"])
    [suggestion] = _workload(advice)
    assert (suggestion.table, suggestion.columns, suggestion.predicate) == (
        f"{schema}.orders",
        ["customer_email"],
        None,
    )
    assert suggestion.verified and suggestion.confidence == "high"
    assert suggestion.ddl == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ix_orders_customer_email" '
        f'ON "{schema}"."orders" USING btree ("customer_email")'
    )
    [served] = suggestion.queries
    assert served.query == "q1" and served.cost_after is not None  # HypoPG proved it
    assert served.cost_after < served.cost_before * 0.2
    assert suggestion.size_bytes and suggestion.size_bytes > 8192
    before, after = advice.total_cost_before, advice.total_cost_after
    assert before is not None and after is not None and after < before
    assert _hypothetical(ro) == 0


def test_tenant_equality_and_sort_give_one_composite_index(hypopg, ddl, ro, schema):
    ddl(SCHEMA)
    query = "SELECT id, total FROM orders WHERE account_id = $1 ORDER BY created_at DESC LIMIT 20"
    advice = suggest_indexes(ro, schema, [query])
    assert advice.tenant_column == "account_id"
    [suggestion] = _workload(advice)
    assert suggestion.columns[:2] == ["account_id", "created_at"]


def test_constant_filter_gives_partial_index(hypopg, ddl, ro, schema):
    ddl(SCHEMA)
    query = "SELECT id FROM orders WHERE state = 'open' AND created_at > $1"
    advice = suggest_indexes(ro, schema, [query])
    [suggestion] = _workload(advice)
    assert suggestion.predicate == "\"state\" = 'open'"
    assert suggestion.columns == ["created_at"]


def test_update_and_delete_predicates_get_indexes(hypopg, ddl, ro, schema):
    ddl(SCHEMA)
    advice = suggest_indexes(
        ro,
        schema,
        [
            "UPDATE orders SET total = 0 WHERE customer_email = $1",
            "DELETE FROM orders WHERE created_at < $1 AND created_at > $2",
        ],
    )
    assert {tuple(s.columns) for s in _workload(advice)} == {("customer_email",), ("created_at",)}
    count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, "orders"))
    assert ro.execute(count).fetchone()[0] == 40000  # planned, never executed


def test_no_suggestion_duplicates_an_existing_index(hypopg, ddl, ro, schema):
    ddl(SCHEMA + "CREATE INDEX orders_email ON orders (customer_email, created_at);")
    advice = suggest_indexes(
        ro,
        schema,
        [
            "SELECT * FROM orders WHERE customer_email = $1",
            "SELECT * FROM orders WHERE customer_email = 'c1@example.com' ORDER BY created_at",
        ],
    )
    orders = fetch_snapshot(ro, schema).table("orders")
    assert orders is not None
    existing = [i.columns for i in orders.indexes]
    for suggestion in advice.suggestions:
        if suggestion.kind == "create":
            assert not any(
                cols[: len(suggestion.columns)] == suggestion.columns for cols in existing
            )
    assert _workload(advice) == []


def test_unsafe_and_foreign_queries_are_skipped_with_reason(hypopg, ddl, ro, schema):
    ddl(SCHEMA)
    advice = suggest_indexes(
        ro,
        schema,
        [
            "SELECT pg_sleep(10)",
            "SELECT 1; DROP TABLE orders",
            "SELECT * FROM no_such_table WHERE x = 1",
            "INSERT INTO orders (id) VALUES (1)",
        ],
    )
    skipped = [q.skipped or "" for q in advice.workload]
    assert all(skipped), advice.workload
    assert "pg_sleep" in skipped[0] and "2 statements" in skipped[1]
    assert "INSERT" in skipped[3]
    assert _workload(advice) == []


def test_hypothetical_indexes_are_reset_after_an_error(hypopg, ddl, ro, schema, monkeypatch):
    ddl(SCHEMA)
    calls = {"n": 0}
    real = index_workload.plan_cost

    def failing(conn, query):
        calls["n"] += 1
        if calls["n"] > 1:  # the baseline passes, the first hypothetical fails
            raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        return real(conn, query)

    monkeypatch.setattr(index_workload, "plan_cost", failing)
    with pytest.raises(psycopg.errors.QueryCanceled):
        suggest_indexes(ro, schema, ["SELECT * FROM orders WHERE customer_email = $1"])
    assert _hypothetical(ro) == 0  # the transaction is still usable, and clean


def _server_error(conn: psycopg.Connection, kind: str) -> None:
    """Fail the way the server does: the statement errors and the transaction is aborted."""
    if kind == "timeout":
        conn.execute("SELECT set_config('statement_timeout', '1', true)")
        conn.execute("SELECT pg_sleep(1)")
    conn.execute("SELECT 1 / 0")


@pytest.mark.parametrize("kind", ["timeout", "error"])
@pytest.mark.parametrize("step", ["explain", "size"])
def test_server_error_mid_proof_leaves_no_hypothetical_index(
    hypopg, ddl, ro, schema, monkeypatch, step, kind
):
    ddl(SCHEMA)
    calls = {"n": 0}
    real_cost, real_size = index_workload.plan_cost, index_workload.HypoPG.size

    def cost(conn, query):
        calls["n"] += 1
        if calls["n"] > 1:  # the baseline passes, the first hypothetical fails
            _server_error(conn, kind)
        return real_cost(conn, query)

    def size(self, oid):
        _server_error(self.conn, kind)
        return real_size(self, oid)

    if step == "explain":
        monkeypatch.setattr(index_workload, "plan_cost", cost)
    else:
        monkeypatch.setattr(index_workload.HypoPG, "size", size)
    expected = psycopg.errors.QueryCanceled if kind == "timeout" else psycopg.errors.DivisionByZero
    with pytest.raises(expected):  # the first error, not one from the cleanup
        suggest_indexes(ro, schema, ["SELECT * FROM orders WHERE customer_email = $1"])
    assert _hypothetical(ro) == 0  # on the same connection, whose transaction is usable


def test_failed_size_of_a_rule_index_leaves_no_hypothetical_index(
    hypopg, ddl, ro, schema, monkeypatch
):
    ddl(SCHEMA + "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders);")

    def size(self, oid):
        _server_error(self.conn, "error")

    monkeypatch.setattr(index_workload.HypoPG, "size", size)
    advice = suggest_indexes(ro, schema)
    [fk] = [s for s in advice.suggestions if s.rule == "unindexed_fk"]
    assert fk.size_bytes == 8192  # the estimate for an empty table
    assert _hypothetical(ro) == 0


def test_without_hypopg_candidates_are_unverified_with_hint(ddl, database, admin):
    with psycopg.connect(database, autocommit=True) as setup:
        setup.execute(SCHEMA.replace("ANALYZE orders;", ""))
        setup.execute("ANALYZE orders")
    with (
        psycopg.connect(database, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        advice = suggest_indexes(
            tx,
            "public",
            ["SELECT * FROM orders WHERE account_id = $1 AND created_at > $2"],
        )
    assert not advice.hypopg
    [suggestion] = _workload(advice)
    assert suggestion.columns == ["account_id", "created_at"]
    assert not suggestion.verified and suggestion.confidence == "low"
    assert suggestion.queries[0].cost_after is None
    assert any("CREATE EXTENSION hypopg" in note for note in advice.notes)
    assert "HypoPG is not installed" in suggestion.rationale  # the hint itself once, in notes
    assert "CREATE EXTENSION" not in suggestion.rationale
    assert advice.total_cost_after is None
    assert "HypoPG no" in render_indexes(advice)


def test_pg_stat_statements_missing_is_a_note(ddl, ro, schema, admin):
    ddl(SCHEMA)
    installed = admin.execute(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
    ).fetchone()
    if installed:
        pytest.skip("pg_stat_statements is installed here")
    advice = suggest_indexes(ro, schema, use_pg_stat_statements=True)
    assert any("pg_stat_statements is not installed" in note for note in advice.notes)


def test_analysis_collects_columns_through_aliases_joins_and_subqueries(ddl, ro, schema):
    ddl(
        SCHEMA
        + """
        CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders, sku text);
        """
    )
    snapshot = fetch_snapshot(ro, schema)
    checked = check_query(
        "SELECT o.id FROM orders o JOIN lines l ON l.order_id = o.id "
        "WHERE o.account_id = $1 AND o.deleted_at IS NULL AND o.created_at >= $2 "
        "AND EXISTS (SELECT 1 FROM lines x WHERE x.order_id = o.id AND x.sku = 'A') "
        "ORDER BY o.created_at"
    )
    accesses = analyze_query(checked.tree, snapshot)
    orders = accesses[f"{schema}.orders"]
    assert orders.equality == ["account_id"]
    assert orders.range == ["created_at"]
    assert orders.join == ["id"]
    assert orders.sort == ["created_at"]
    assert orders.filters == {"deleted_at": '"deleted_at" IS NULL'}
    lines = accesses[f"{schema}.lines"]
    assert lines.join == ["order_id"] and lines.equality == ["sku"]
    specs = generate_candidates(orders, "account_id")
    assert all(s.columns[0] == "account_id" for s in specs if s.predicate is None and not s.include)
    assert any(s.predicate == '"deleted_at" IS NULL' for s in specs)
    # ordered permutations, not just combinations
    lines_specs = {s.columns for s in generate_candidates(lines, None)}
    assert {("order_id", "sku"), ("sku", "order_id")} <= lines_specs


def test_pg_stat_statements_not_preloaded_is_a_note(database, admin):
    with psycopg.connect(database, autocommit=True) as setup:
        available = setup.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'"
        ).fetchone()
        libraries = setup.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
        assert libraries is not None  # current_setting always returns its row
        if not available or "pg_stat_statements" in libraries[0]:
            pytest.skip("needs pg_stat_statements available but not preloaded")
        setup.execute("CREATE EXTENSION pg_stat_statements")
    with (
        psycopg.connect(database, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        advice = suggest_indexes(tx, "public", use_pg_stat_statements=True)
        assert tx.execute("SELECT 1").fetchone() == (1,)  # the transaction is still usable
    assert any("pg_stat_statements could not be read" in note for note in advice.notes)


def test_max_indexes_caps_the_workload_set(hypopg, ddl, ro, schema):
    ddl(SCHEMA)
    queries = [
        "SELECT * FROM orders WHERE customer_email = $1",
        "SELECT id FROM orders WHERE created_at > $1 AND created_at < $2",
    ]
    assert len(_workload(suggest_indexes(ro, schema, queries, max_indexes=1))) == 1
    assert _workload(suggest_indexes(ro, schema, queries, max_indexes=0)) == []


def test_negative_max_indexes_is_refused(ro):
    with pytest.raises(ConfigError, match="max_indexes must be 0 or more"):
        suggest_indexes(ro, "public", max_indexes=-1)


def test_join_gets_an_index_on_each_side(hypopg, ddl, ro, schema):
    ddl(
        SCHEMA
        + """
        CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint NOT NULL, sku text NOT NULL);
        INSERT INTO lines
        SELECT g, g % 40000 + 1, 'sku' || (g % 97) FROM generate_series(1, 120000) g;
        ANALYZE lines;
        """
    )
    query = (
        "SELECT l.sku FROM orders o JOIN lines l ON l.order_id = o.id WHERE o.customer_email = $1"
    )
    advice = suggest_indexes(ro, schema, [query])
    picked = {(s.table.split(".")[1], tuple(s.columns)) for s in _workload(advice)}
    assert picked == {("orders", ("customer_email",)), ("lines", ("order_id",))}
    [q1] = advice.workload
    assert q1.cost_before is not None and q1.cost_after is not None, q1
    assert q1.cost_after < q1.cost_before * 0.1


def test_pg_stat_statements_workload_is_read_weighted_and_proven(database, hypopg):
    with psycopg.connect(database, autocommit=True) as setup:
        preloaded = setup.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
        assert preloaded is not None  # current_setting always returns its row
        if "pg_stat_statements" not in preloaded[0]:
            pytest.skip("pg_stat_statements is not in shared_preload_libraries (.ci/run sets it)")
        setup.execute("CREATE EXTENSION pg_stat_statements")
        setup.execute("CREATE EXTENSION hypopg")
        setup.execute(SCHEMA)
        setup.execute("SELECT pg_stat_statements_reset()")
        for i in range(30):  # one normalised statement, 30 calls
            setup.execute("SELECT id FROM orders WHERE customer_email = %s", (f"c{i}@example.com",))
    with (
        psycopg.connect(database, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        advice = suggest_indexes(tx, "public", use_pg_stat_statements=True)
    [statement] = [q for q in advice.workload if "customer_email = $1" in q.text]
    assert statement.source == "pg_stat_statements" and statement.calls >= 30
    [suggestion] = [s for s in _workload(advice) if s.columns == ["customer_email"]]
    before, after = statement.cost_before, statement.cost_after
    assert suggestion.verified and before is not None and after is not None and after < before
