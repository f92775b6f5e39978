"""tools.naming against the server itself: quote_ident() over every keyword, default names."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from tools.naming import default_name, normalize_type, quote_ident, sequence_name


def test_quote_ident_matches_the_server_for_every_keyword(admin: psycopg.Connection) -> None:
    words = [row[0] for row in admin.execute("SELECT word FROM pg_get_keywords()")]
    names = [*words, "time", "user", "Order", "a b", 'q"uote', "_x1", "1abc", "ça", "x$y"]
    served = admin.execute(
        "SELECT n, quote_ident(n) FROM unnest(%s::text[]) AS n", [names]
    ).fetchall()
    wrong = {
        name: (quote_ident(name), quoted) for name, quoted in served if quote_ident(name) != quoted
    }
    assert wrong == {}


LONG = "a_table_name_that_goes_on_and_on_for_well_over_forty_characters"
CASES = [
    pytest.param("tasks", ["org_id"], id="short"),
    pytest.param(LONG, ["org_id"], id="long-table"),
    pytest.param(
        "tasks",
        ["a_column_name_longer_than_thirty_characters_x", "another_one_long_too_yy"],
        id="long-columns",
    ),
    pytest.param(
        LONG, [LONG[:50], "ünïcödé_column_ñame_with_many_bytes_ééééééééé"], id="multibyte"
    ),
]


@pytest.mark.parametrize(("table", "columns"), CASES)
def test_default_names_match_what_postgres_creates(
    admin: psycopg.Connection, schema: str, table: str, columns: list[str]
) -> None:
    ident = sql.Identifier
    cols = sql.SQL(", ").join(ident(c) for c in columns)
    admin.execute(
        sql.SQL("CREATE TABLE {}.{} (id serial PRIMARY KEY, {})").format(
            ident(schema),
            ident(table),
            sql.SQL(", ").join(sql.SQL("{} int").format(ident(c)) for c in columns),
        )
    )
    admin.execute(
        sql.SQL("ALTER TABLE {}.{} ADD UNIQUE ({})").format(ident(schema), ident(table), cols)
    )
    admin.execute(
        sql.SQL("ALTER TABLE {}.{} ADD UNIQUE ({})").format(ident(schema), ident(table), cols)
    )
    admin.execute(
        sql.SQL("ALTER TABLE {}.{} ADD FOREIGN KEY ({}) REFERENCES {}.{} ({})").format(
            ident(schema), ident(table), cols, ident(schema), ident(table), cols
        )
    )
    admin.execute(sql.SQL("CREATE INDEX ON {}.{} ({})").format(ident(schema), ident(table), cols))
    admin.execute(
        sql.SQL("ALTER TABLE {}.{} ADD CHECK ({} > 0)").format(
            ident(schema), ident(table), ident(columns[0])
        )
    )
    created = {
        row[0]
        for row in admin.execute(
            # PG 18 catalogs NOT NULL as constraints too; nullability is read from attnotnull.
            "SELECT conname FROM pg_constraint WHERE connamespace = %s::regnamespace"
            " AND contype <> 'n'"
            " UNION SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace",
            [schema, schema],
        )
    }
    first_key = default_name(table, columns, "unique")
    expected = {
        default_name(table, [], "primary"),
        first_key,
        default_name(table, columns, "unique", taken=[first_key]),
        default_name(table, columns, "foreign"),
        default_name(table, columns, "index"),
        default_name(table, columns[:1], "check"),
        sequence_name(table, "id"),
        table,
    }
    assert expected == created


@pytest.mark.parametrize(
    "written",
    [
        "int4",
        "VARCHAR(20)",
        "timestamptz",
        "timestamp(3)",
        "int[]",
        "numeric(10, 2)",
        "float",
        "bool",
        "bpchar(3)",
        "time",
        "timetz(2)",
        "serial8",
        "text[][]",
        "bit varying(4)",
    ],
)
def test_normalize_type_matches_format_type(
    admin: psycopg.Connection, schema: str, written: str
) -> None:
    declared = {"serial8": "bigint"}.get(written, written)  # serial is not a type format_type sees
    admin.execute(f"CREATE TABLE {schema}.typed (c {declared})")
    printed = admin.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attname = 'c'",
        [f"{schema}.typed"],
    ).fetchone()
    assert printed is not None
    assert normalize_type(written) == printed[0]
