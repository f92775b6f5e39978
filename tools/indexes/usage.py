"""The statistics the index rules judge with: table activity and column statistics.

`fetch_usage` reads pg_stat_user_tables, pg_stats and the reset time: three queries for the
whole schema, whatever its size.
"""

from __future__ import annotations

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from tools.catalog.snapshot import fetch_rows

TABLE_STATS = """
SELECT relname, seq_scan, coalesce(idx_scan, 0) AS idx_scan, n_live_tup,
       n_tup_ins, n_tup_upd - n_tup_hot_upd AS n_tup_upd, n_tup_del
FROM pg_stat_user_tables WHERE schemaname = %(schema)s
"""

COLUMN_STATS = """
SELECT tablename, attname, n_distinct, null_frac, avg_width,
       most_common_vals::text::text[] AS values, most_common_freqs AS freqs
FROM pg_stats WHERE schemaname = %(schema)s AND NOT inherited
"""

STATS_RESET = "SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()"


class TableStats(BaseModel):
    """Activity of one table since the statistics reset (pg_stat_user_tables)."""

    model_config = ConfigDict(frozen=True)

    seq_scan: int = 0
    idx_scan: int = 0
    live_rows: int = 0
    writes: int = Field(0, description="rows inserted + non-HOT updated + deleted")


class ColumnStats(BaseModel):
    """What ANALYZE knows of one column (pg_stats)."""

    model_config = ConfigDict(frozen=True)

    n_distinct: float = 0
    null_frac: float = 0
    avg_width: int = 8
    values: list[str] = Field(default_factory=list, description="most common values as text")
    freqs: list[float] = Field(default_factory=list)


class Usage(BaseModel):
    """The statistics the rules judge with, keyed by table name and (table, column)."""

    tables: dict[str, TableStats] = Field(default_factory=dict)
    columns: dict[tuple[str, str], ColumnStats] = Field(default_factory=dict)
    stats_reset: str | None = None


def fetch_usage(conn: psycopg.Connection, schema: str) -> Usage:
    """Table activity, column statistics and the reset time: three queries for the schema."""
    params = {"schema": schema}
    tables = {
        r["relname"]: TableStats(
            seq_scan=r["seq_scan"] or 0,
            idx_scan=r["idx_scan"] or 0,
            live_rows=r["n_live_tup"] or 0,
            writes=(r["n_tup_ins"] or 0) + (r["n_tup_upd"] or 0) + (r["n_tup_del"] or 0),
        )
        for r in fetch_rows(conn, TABLE_STATS, params)
    }
    columns = {
        (r["tablename"], r["attname"]): ColumnStats(
            n_distinct=r["n_distinct"] or 0,
            null_frac=r["null_frac"] or 0,
            avg_width=r["avg_width"] or 8,
            values=r["values"] or [],
            freqs=r["freqs"] or [],
        )
        for r in fetch_rows(conn, COLUMN_STATS, params)
    }
    reset = fetch_rows(conn, STATS_RESET, {})
    return Usage(
        tables=tables, columns=columns, stats_reset=reset[0]["stats_reset"] if reset else None
    )
