"""suggest_indexes' advice converges: applied as printed, the next call asks for none of it.

For every planted-defect schema of tests/test_indexes.py, a generated schema with several foreign
keys into one table and keyword identifiers (`user`, `order`, `time`), and a shop workload
proven with HypoPG: run the tool, apply every printed statement (creates, replaces, rebuilds,
reviews, drops) in the order given with `psql -v ON_ERROR_STOP=1 -f`, run the tool again. The
second round is empty. Every answer is one set: no key twice, nothing a staying index or
another suggestion already serves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from server.db import read_only_transaction
from tests.conftest import run_ddl
from tests.test_indexes import BASE, PLANTED
from tests.test_isolation_fix_closure import apply
from tools.catalog.snapshot import fetch_snapshot
from tools.indexes import render_indexes, suggest_indexes
from tools.indexes.matching import covers, leads_with
from tools.indexes.models import (
    IndexAdvice,
    IndexSpec,
    IndexSuggestion,
    create_suggestion,
    spec_of,
)
from tools.indexes.rules import RULES
from tools.indexes.selection import BUILDS, key, select_indexes, serves


def advise(url: str, schema: str, **kwargs: Any) -> IndexAdvice:
    with (
        psycopg.connect(url, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=60) as tx,
    ):
        return suggest_indexes(tx, schema, **kwargs)


def script(advice: IndexAdvice) -> str:
    """Every statement the advice prints, in its order, as a psql script."""
    return "".join(
        f"{statement};\n" for s in advice.suggestions if s.ddl for statement in s.ddl.split(";\n")
    )


def assert_one_set(url: str, schema: str, advice: IndexAdvice) -> None:
    """No key twice; no build served by an index that stays or by another build."""
    builds = [s for s in advice.suggestions if s.kind in BUILDS]
    assert len({key(s) for s in builds}) == len(builds), render_indexes(advice)
    gone = {s.index for s in advice.suggestions if s.kind == "drop"}
    gone |= {name for s in builds for name in s.replaces}
    with psycopg.connect(url) as conn:
        tables = {t.qualified: t for t in fetch_snapshot(conn, schema).tables}
    for build in builds:
        fk = build.rule == "unindexed_fk"
        staying = [i for i in tables[build.table].indexes if i.name not in gone and i.valid]
        spec = spec_of(build)
        served = [
            i.name for i in staying if (leads_with(i, build.columns) if fk else covers(i, spec))
        ]
        assert served == [], (build.index, served)
        others = [o for o in builds if o is not build and o.table == build.table]
        assert not any(serves(spec_of(o), spec, fk) for o in others), render_indexes(advice)


def assert_converges(url: str, schema: str, tmp_path: Path, **kwargs: Any) -> IndexAdvice:
    """Apply the advice as printed; the next call is empty. Returns the first answer."""
    first = advise(url, schema, **kwargs)
    assert_one_set(url, schema, first)
    if first.suggestions:
        apply(url, script(first), tmp_path)
    second = advise(url, schema, **kwargs)
    shown = f"--- first ---\n{render_indexes(first)}\n--- second ---\n{render_indexes(second)}"
    assert second.suggestions == [], shown
    return first


@pytest.mark.parametrize(("planted", "expected"), PLANTED)
def test_advice_converges_on_planted_defect(admin, pg_url, schema, tmp_path, planted, expected):
    run_ddl(admin, schema, BASE + planted)
    first = assert_converges(pg_url, schema, tmp_path)
    assert expected[0] in {s.rule for s in first.suggestions}


def test_clean_twin_has_nothing_to_apply(admin, pg_url, schema, tmp_path):
    run_ddl(admin, schema, BASE)
    assert advise(pg_url, schema).suggestions == []


KEYWORDS = """
CREATE TABLE orgs (id bigint PRIMARY KEY);
CREATE TABLE "user" (id bigint PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs,
                     "time" timestamptz);
CREATE TABLE "order" (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES orgs,
    buyer_id bigint REFERENCES "user",
    seller_id bigint REFERENCES "user",
    approver_id bigint REFERENCES "user",
    "time" timestamptz,
    status text
);
CREATE INDEX order_org_time ON "order" (org_id, "time");
CREATE INDEX order_status ON "order" (status);
CREATE INDEX order_status_again ON "order" (status);
CREATE INDEX order_buyer ON "order" (buyer_id);
CREATE INDEX order_buyer_time ON "order" (buyer_id, "time");
CREATE TABLE line ("order" bigint REFERENCES "order", "user" bigint REFERENCES "user",
                   qty int);
CREATE TABLE a_table_name_that_goes_on_and_on_for_well_over_forty_characters (
    id bigint PRIMARY KEY,
    a_column_name_longer_than_thirty_characters_x bigint REFERENCES "user"
);
"""


def test_advice_converges_with_keywords_and_several_fks_into_one_table(
    admin, pg_url, schema, tmp_path
):
    run_ddl(admin, schema, KEYWORDS)
    first = assert_converges(pg_url, schema, tmp_path)
    fks = [s for s in first.suggestions if s.rule == "unindexed_fk"]
    assert {(s.table.split(".")[1], tuple(s.columns)) for s in fks} >= {
        ("order", ("seller_id",)),
        ("order", ("approver_id",)),
        ("line", ("order",)),
        ("line", ("user",)),
    }
    status = [s for s in first.suggestions if "status" in s.columns]
    assert len({key(s) for s in status if s.kind in BUILDS}) == len(
        [s for s in status if s.kind in BUILDS]
    )


def test_duplicate_status_indexes_get_one_tenant_led_index(admin, pg_url, schema, tmp_path):
    # Two identical (status) indexes: one is dropped as the duplicate, one tenant-led index is
    # asked for (not ix_tasks_org_id_status and ix_tasks_org_id_status_1, the same key).
    run_ddl(
        admin,
        schema,
        """
        CREATE TABLE orgs (id bigint PRIMARY KEY);
        CREATE TABLE tasks (id bigint PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs,
                            status text NOT NULL);
        CREATE INDEX tasks_org ON tasks (org_id);
        CREATE INDEX tasks_status_a ON tasks (status);
        CREATE INDEX tasks_status_b ON tasks (status);
        """,
    )
    first = assert_converges(pg_url, schema, tmp_path)
    builds = [(s.index, tuple(s.columns)) for s in first.suggestions if s.kind in BUILDS]
    assert builds == [("ix_tasks_org_id_status", ("org_id", "status"))], render_indexes(first)
    assert [s.index for s in first.suggestions if s.kind == "drop"] == ["tasks_status_b"]


SHOP = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                     placed_at timestamptz NOT NULL);
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders,
                          sku text NOT NULL, quantity int NOT NULL);
INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 5000) g;
INSERT INTO orders SELECT g, g % 5000 + 1, timestamptz '2025-01-01' + g * interval '1 minute'
FROM generate_series(1, 20000) g;
INSERT INTO order_items SELECT g, g % 20000 + 1, 'sku' || (g % 300), g % 7
FROM generate_series(1, 60000) g;
ANALYZE;
"""
SHOP_QUERIES = [
    "SELECT sku, quantity FROM order_items WHERE order_id = $1",
    "SELECT id, placed_at FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC LIMIT 10",
]


def test_workload_index_covering_a_foreign_key_replaces_the_rule_one(
    admin, pg_url, schema, tmp_path, hypopg_available
):
    if not hypopg_available:
        pytest.skip("HypoPG is not available on this server")
    run_ddl(admin, schema, SHOP)
    first = assert_converges(pg_url, schema, tmp_path, queries=SHOP_QUERIES)
    by_table: dict[str, list[Any]] = {}
    for s in first.suggestions:
        by_table.setdefault(s.table.split(".")[1], []).append(s)
    [items] = by_table["order_items"]  # one index, not the workload's and the FK rule's
    assert items.rule == "workload_index" and items.columns[0] == "order_id"
    assert "also serves unindexed_fk" in items.rationale
    [orders] = by_table["orders"]
    assert orders.columns[0] == "customer_id" and "also serves unindexed_fk" in orders.rationale


def test_max_indexes_bounds_the_whole_set(admin, pg_url, schema):
    run_ddl(admin, schema, KEYWORDS)
    advice = advise(pg_url, schema, max_indexes=2)
    builds = [s for s in advice.suggestions if s.kind in BUILDS]
    assert len(builds) == 2 and all(s.rule == "unindexed_fk" for s in builds)
    assert any("left out by max_indexes=2" in note for note in advice.notes)
    assert [s for s in advise(pg_url, schema, max_indexes=0).suggestions if s.kind in BUILDS] == []


def test_a_covering_workload_index_folds_the_plain_foreign_key_one():
    def build(rule: str, include: tuple[str, ...] = ()) -> IndexSuggestion:
        spec = IndexSpec(schema_name="s", table="items", columns=("order_id",), include=include)
        return create_suggestion(RULES[rule], spec, rule, confidence="high", verified=True)

    covering, plain = build("workload_index", ("quantity",)), build("unindexed_fk")
    [kept] = select_indexes([covering], [plain], [], 10, [])
    assert kept.include == ["quantity"] and "also serves unindexed_fk" in kept.rationale
