"""Definitions rebuilt by tools.catalog_text must equal the server's own rendering, shape by shape.

A zoo of indexes and constraints (quoting, orderings, domains, enums, binary-compatible types,
collations, opclasses, options, INCLUDE, partial, expression, exclusion, FK actions, deferrable,
NOT VALID) is reflected, then every definition is compared with pg_get_indexdef() and
pg_get_constraintdef() on the same connection, with the schema off and on the search_path.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from tools.catalog import fetch_snapshot
from tools.catalog.models import CheckConstraint, ForeignKey, UniqueConstraint
from tools.catalog.text import Quoter

ZOO = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN email AS text;
CREATE DOMAIN email2 AS email;
CREATE TABLE "Order" (
    id bigint PRIMARY KEY,
    "select" text NOT NULL,
    "Mixed Case" varchar(20),
    code varchar(10) COLLATE "C",
    e email, e2 email2, m mood, tags text[], ips inet, net cidr, doc jsonb, ts tsvector,
    rng int4range, u uuid, bp char(3), n name, flag boolean, at timestamptz,
    amount numeric CHECK (amount > 0),
    CONSTRAINT order_code_key UNIQUE (code) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT order_at_key UNIQUE (u) INCLUDE (bp),
    CONSTRAINT "weird ""name"" here" CHECK (flag IS NOT TRUE) NO INHERIT,
    CONSTRAINT later CHECK (amount < 1000) NOT VALID,
    CONSTRAINT no_overlap EXCLUDE USING gist (rng WITH &&)
);
CREATE INDEX ON "Order" ("select" DESC);
CREATE INDEX ON "Order" ("Mixed Case" NULLS FIRST, "select" DESC NULLS LAST);
CREATE INDEX ON "Order" (code DESC NULLS FIRST, at ASC NULLS LAST);
CREATE INDEX ON "Order" (e);
CREATE INDEX ON "Order" (e2);
CREATE INDEX ON "Order" (m);
CREATE INDEX ON "Order" USING gin (tags);
CREATE INDEX ON "Order" (tags);
CREATE INDEX ON "Order" (ips);
CREATE INDEX ON "Order" (net);
CREATE INDEX ON "Order" USING gist (net inet_ops);
CREATE INDEX ON "Order" USING gin (doc);
CREATE INDEX ON "Order" USING gin (doc jsonb_path_ops);
CREATE INDEX ON "Order" USING gist (ts);
CREATE INDEX ON "Order" USING gin (ts);
CREATE INDEX ON "Order" USING hash (u);
CREATE INDEX ON "Order" USING brin (at);
CREATE INDEX ON "Order" (bp);
CREATE INDEX ON "Order" (n);
CREATE INDEX ON "Order" ("Mixed Case" text_pattern_ops);
CREATE INDEX ON "Order" ("Mixed Case" varchar_ops);
CREATE INDEX ON "Order" (code COLLATE "default");
CREATE INDEX ON "Order" ("select" COLLATE "C");
CREATE INDEX ON "Order" (lower("select"));
CREATE INDEX partial ON "Order" (amount) WHERE amount > 10 AND flag;
CREATE INDEX covering ON "Order" (id, at) INCLUDE (u, bp);
CREATE INDEX filled ON "Order" (id) WITH (fillfactor = 70);
CREATE UNIQUE INDEX "Unique Idx" ON "Order" (u, n);
CREATE TABLE child (
    id int,
    order_id bigint REFERENCES "Order" (id) ON DELETE SET NULL ON UPDATE CASCADE,
    other_id bigint,
    u uuid, n name,
    CONSTRAINT child_pk PRIMARY KEY (id) INCLUDE (u),
    CONSTRAINT fk_full FOREIGN KEY (other_id) REFERENCES "Order" (id) MATCH FULL
        ON DELETE RESTRICT DEFERRABLE,
    CONSTRAINT fk_two FOREIGN KEY (u, n) REFERENCES "Order" (u, n) ON DELETE SET DEFAULT
        NOT VALID,
    CONSTRAINT fk_self FOREIGN KEY (order_id) REFERENCES child (id) ON DELETE CASCADE
);
"""

NULLS_NOT_DISTINCT = """
CREATE TABLE nulls (a int, b int,
    CONSTRAINT nulls_a_key UNIQUE NULLS NOT DISTINCT (a),
    CONSTRAINT nulls_ab_key UNIQUE (a, b),
    CONSTRAINT nulls_fk FOREIGN KEY (a, b) REFERENCES nulls (a, b) ON DELETE SET NULL (a));
CREATE UNIQUE INDEX nulls_b ON nulls (b) NULLS NOT DISTINCT;
"""


def server_definitions(conn: psycopg.Connection, schema: str) -> dict[tuple[str, ...], str]:
    """(table, kind, name) -> the server's text, for every index and constraint of the schema."""
    rows = conn.execute(
        """
        SELECT c.relname, 'index', ic.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(s)s)
        UNION ALL
        SELECT c.relname, 'constraint', con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(s)s)
          AND con.contype IN ('p','u','f','c','x')
        """,
        {"s": schema},
    ).fetchall()
    return {(table, kind, name): text for table, kind, name, text in rows}


def our_definitions(conn: psycopg.Connection, schema: str, tables=None):
    snapshot = fetch_snapshot(conn, schema, tables)
    out = {}
    for table in snapshot.tables:
        for index in table.indexes:
            out[table.name, "index", index.name] = index.definition
        constraints: list[ForeignKey | UniqueConstraint | CheckConstraint] = [
            *table.foreign_keys,
            *table.unique_constraints,
            *table.check_constraints,
        ]
        for record in constraints:
            out[table.name, "constraint", record.name] = record.definition
    return out, snapshot


@pytest.fixture
def zoo(ddl, server_version):
    ddl(ZOO + (NULLS_NOT_DISTINCT if server_version >= 150000 else ""))


@pytest.mark.parametrize("on_path", [False, True], ids=["schema-off-path", "schema-on-path"])
def test_rebuilt_definitions_equal_the_servers(zoo, ro, schema, on_path):
    if on_path:
        ro.execute("SELECT set_config('search_path', %s, true)", (schema,))
    ours, _ = our_definitions(ro, schema)
    theirs = server_definitions(ro, schema)
    assert len(ours) > 40
    mismatched = {key: (ours[key], theirs[key]) for key in ours if ours[key] != theirs[key]}
    assert mismatched == {}
    assert ("Order", "index", "no_overlap") in ours  # an exclusion constraint's index


def test_fk_to_a_table_outside_the_filter_names_it_from_the_catalog(zoo, ro, schema):
    ours, snapshot = our_definitions(ro, schema, ["child"])
    theirs = server_definitions(ro, schema)
    assert {key: ours[key] for key in ours} == {key: theirs[key] for key in ours}
    fks = {fk.name: fk for fk in snapshot.table("child").foreign_keys}
    assert fks["child_order_id_fkey"].ref_schema == schema
    assert (fks["fk_two"].ref_table, fks["fk_two"].ref_columns) == ("Order", ["u", "n"])
    assert fks["fk_self"].ref_columns == ["id"]


def test_quoter_follows_quote_ident():
    quote = Quoter(frozenset({"select", "user"}))
    assert [quote(n) for n in ["a_1", "select", "Mixed", 'q"x', "1a", "", "é", "from_"]] == [
        "a_1",
        '"select"',
        '"Mixed"',
        '"q""x"',
        '"1a"',
        '""',
        '"é"',
        "from_",
    ]
    assert Quoter(frozenset(), quote_all=True)("a") == '"a"'


def test_quoter_matches_the_server(admin):
    names = ["a_1", "select", "Mixed", 'q"x', "1a", "é", "user", "name", "between", "int"]
    theirs = [admin.execute("SELECT quote_ident(%s)", (n,)).fetchone()[0] for n in names]
    keywords = admin.execute("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'")
    quote = Quoter(frozenset(r[0] for r in keywords))
    assert [quote(n) for n in names] == theirs


def test_schema_and_table_names_that_need_quotes(admin, pg_url):
    name = "t Mixed Schema"
    admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        admin.execute(
            sql.SQL(
                "CREATE TABLE {} (id int PRIMARY KEY, v text UNIQUE, w int REFERENCES {})"
            ).format(sql.Identifier(name, "T"), sql.Identifier(name, "T"))
        )
        with psycopg.connect(pg_url) as conn, conn.transaction():
            ours, _ = our_definitions(conn, name)
            theirs = server_definitions(conn, name)
        assert len(ours) == 4
        assert ours == {key: theirs[key] for key in ours}
    finally:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
