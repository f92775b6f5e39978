"""fetch_snapshot's cost: two round trips whatever the table count; session state untouched."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
import pytest

from tools.catalog import fetch_snapshot


@contextmanager
def counting_round_trips():
    """Count pipelines entered plus statements executed outside one: the round trips."""
    counts = {"round_trips": 0, "statements": 0}
    pipeline, execute = psycopg.Connection.pipeline, psycopg.Cursor.execute

    @contextmanager
    def counted_pipeline(self):
        counts["round_trips"] += 1
        with pipeline(self) as p:
            yield p

    def counted_execute(self, *args, **kwargs):
        counts["statements"] += 1
        if self.connection._pipeline is None:
            counts["round_trips"] += 1
        return execute(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.Connection, "pipeline", counted_pipeline)
        patch.setattr(psycopg.Cursor, "execute", counted_execute)
        yield counts


def test_two_round_trips_for_1_and_for_60_tables(ddl, ro, schema, next_call):
    ddl("CREATE TABLE r0 (id int PRIMARY KEY, v text UNIQUE)")
    with counting_round_trips() as one:
        fetch_snapshot(ro, schema)
    ddl(
        "".join(
            f"CREATE TABLE r{i} (id int PRIMARY KEY, v text UNIQUE, p int REFERENCES r{i - 1});"
            f"CREATE INDEX ON r{i} (v DESC) INCLUDE (p);"
            for i in range(1, 60)
        )
    )
    later = next_call()  # the next call's snapshot sees the 59 new tables
    with counting_round_trips() as sixty:
        assert len(fetch_snapshot(later, schema).tables) == 60
    assert one == sixty
    assert one["round_trips"] == 2


def test_an_index_python_cannot_settle_costs_one_more_round_trip(ddl, ro, schema):
    ddl('CREATE TABLE t (code text COLLATE "C"); CREATE INDEX odd ON t (code COLLATE "default")')
    with counting_round_trips() as counts:
        table = fetch_snapshot(ro, schema).table("t")
    assert counts["round_trips"] == 3
    assert table is not None
    server = ro.execute("SELECT pg_get_indexdef(%s::regclass)", (f"{schema}.odd",)).fetchone()
    assert table.indexes[0].definition == server[0]


@pytest.mark.parametrize("jit", ["on", "off"])
def test_jit_is_turned_off_for_the_catalog_queries_only(ddl, ro, schema, jit):
    ddl("CREATE TABLE t (id int PRIMARY KEY)")
    ro.execute("SELECT set_config('jit', %s, true)", (jit,))
    fetch_snapshot(ro, schema)
    assert ro.execute("SELECT current_setting('jit')").fetchone() == (jit,)


def test_works_outside_a_transaction_block(ddl, pg_url, schema):
    ddl("CREATE TABLE t (id int PRIMARY KEY, at timestamptz DEFAULT now())")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        jit = conn.execute("SELECT current_setting('jit')").fetchone()
        table = fetch_snapshot(conn, schema).table("t")
        assert table is not None
        column = table.column("at")
        assert column is not None and column.default == "now()"
        assert conn.execute("SELECT current_setting('jit')").fetchone() == jit
