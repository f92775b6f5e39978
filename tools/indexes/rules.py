"""Schema rules for indexes: judged from the snapshot and `pg_stat_*`, no workload needed.

Unindexed foreign keys, tenant-owned lookups that do not lead with the tenant column, duplicate,
redundant, unused and invalid indexes, tables without a primary key, and lone low-selectivity
indexes where a partial index fits better. An index backing a constraint is never dropped.
`fetch_*` run one query each for the whole schema; `check_*` are pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import sql
from pydantic import BaseModel, ConfigDict, Field

from tools.catalog.models import Index, SchemaSnapshot, Table
from tools.catalog.snapshot import fetch_rows
from tools.indexes.models import (
    IndexSpec,
    IndexSuggestion,
    create_suggestion,
    drop_sql,
    drop_sqlmodel,
)
from tools.tenancy import is_tenant_owned

UNUSED_MIN_BYTES = 1024 * 1024  # smaller unused indexes cost too little to be worth a drop
LOW_SELECTIVITY_SHARE = 0.5  # one value in at least half the rows: a plain index rarely helps
STATUS_MAX_DISTINCT = 10
SMALL_TABLE_ROWS = 10_000  # below this a sequential scan is cheap: no tenant lookup index asked

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


# --- comparing indexes -------------------------------------------------------------------------


def _key_signature(index: Index) -> tuple[Any, ...]:
    return tuple((k.text, k.descending, k.nulls_first, k.opclass) for k in index.keys)


def index_signature(index: Index) -> tuple[Any, ...]:
    """What makes two indexes the same: keys, INCLUDE, predicate, method."""
    return (_key_signature(index), tuple(index.include), index.predicate, index.method)


def covers(index: Index, spec: IndexSpec) -> bool:
    """Whether an existing valid index already serves everything the proposed one would."""
    if not index.valid or index.method != spec.method:
        return False
    if index.predicate is not None and index.predicate != spec.predicate:
        return False
    keys = index.columns
    if spec.method != "btree":
        return list(spec.columns) == keys
    if keys[: len(spec.columns)] != list(spec.columns):
        return False
    return set(spec.include) <= set(keys) | set(index.include)


def leads_with(index: Index, columns: Iterable[str]) -> bool:
    """Whether the index's first keys are exactly these columns, in any order (FK lookups)."""
    wanted = set(columns)
    first = index.columns[: len(wanted)]
    return (
        index.valid
        and index.predicate is None
        and index.method in ("btree", "hash" if len(wanted) == 1 else "btree")
        and set(first) == wanted
    )


def _serves_fk(table: Table, index: Index) -> bool:
    """Whether the index is what makes some FK of the table indexed."""
    return any(leads_with(index, fk.columns) for fk in table.foreign_keys)


# --- the rules ----------------------------------------------------------------------------------


def _drop(
    rule: str,
    table: Table,
    index: Index,
    rationale: str,
    *,
    confidence: str = "high",
    kind: str = "drop",
    ddl: str | None = None,
    verified: bool = True,
) -> IndexSuggestion:
    """A suggestion about an existing index: drop it (default) or rebuild it."""
    return IndexSuggestion(
        rule=rule,
        kind=kind,  # type: ignore[arg-type]
        table=table.qualified,
        index=index.name,
        columns=index.columns,
        include=index.include,
        method=index.method,
        predicate=index.predicate,
        ddl=ddl or drop_sql(table.schema_name, index.name),
        sqlmodel=drop_sqlmodel(index.name, index.columns) if kind == "drop" else None,
        rationale=rationale,
        size_bytes=index.size_bytes,
        confidence=confidence,  # type: ignore[arg-type]
        verified=verified,
    )


def check_unindexed_fks(table: Table) -> list[IndexSuggestion]:
    """Foreign keys whose columns no index leads with: deletes on the parent scan this table."""
    out = []
    for fk in table.foreign_keys:
        if any(leads_with(index, fk.columns) for index in table.indexes):
            continue
        spec = IndexSpec(schema_name=table.schema_name, table=table.name, columns=tuple(fk.columns))
        out.append(
            create_suggestion(
                "unindexed_fk",
                spec,
                f"foreign key {fk.name} ({', '.join(fk.columns)}) → {fk.ref_table} has no index "
                "leading with its columns: every delete or key update on "
                f"{fk.ref_table} scans {table.name}, and joins on it cannot use an index",
                confidence="high",
                verified=True,
                concurrently=table.kind == "table",
            )
        )
    return out


def check_tenant_leading(
    table: Table, tenant_column: str | None, usage: Usage
) -> list[IndexSuggestion]:
    """Lookup indexes of a tenant-owned table that do not lead with the tenant column.

    Lone low-selectivity indexes are left to check_low_selectivity (a partial index fits), and
    analysed tables under SMALL_TABLE_ROWS are left alone.
    """
    if not is_tenant_owned(table, tenant_column) or (
        table.row_estimate is not None and table.row_estimate < SMALL_TABLE_ROWS
    ):
        return []
    assert tenant_column is not None
    out = []
    fk_column_sets = {tuple(fk.columns) for fk in table.foreign_keys}
    for index in table.indexes:
        columns = index.columns
        if (
            index.primary
            or index.constraint
            or index.unique
            or not index.valid
            or index.method != "btree"
            or tenant_column in columns
            or any(k.column is None for k in index.keys)
            or tuple(columns) in fk_column_sets  # serves the FK check, which has no tenant
            or _low_selectivity(table, index, usage) is not None
        ):
            continue
        spec = IndexSpec(
            schema_name=table.schema_name,
            table=table.name,
            columns=(tenant_column, *columns),
            include=tuple(index.include),
            predicate=index.predicate,
        )
        if any(covers(existing, spec) for existing in table.indexes):
            continue
        out.append(
            create_suggestion(
                "tenant_not_leading",
                spec,
                f"{index.name} ({', '.join(columns)}) does not lead with {tenant_column}: "
                f"tenant-scoped lookups read every tenant's entries; drop {index.name} once "
                "this one is used",
                confidence="medium",
                verified=False,
                concurrently=table.kind == "table",
            )
        )
    if not any(i.columns[:1] == [tenant_column] and i.valid for i in table.indexes) and not any(
        fk.columns[:1] == [tenant_column] for fk in table.foreign_keys
    ):
        spec = IndexSpec(schema_name=table.schema_name, table=table.name, columns=(tenant_column,))
        out.append(
            create_suggestion(
                "tenant_not_leading",
                spec,
                f"no index leads with the tenant column {tenant_column}: tenant-scoped "
                "queries scan the whole table",
                confidence="medium",
                verified=False,
                concurrently=table.kind == "table",
            )
        )
    return out


def _keeper_rank(index: Index) -> tuple[Any, ...]:
    """Which of equal indexes to keep: constraint-backing, primary, unique, then by name."""
    return (index.constraint is None, not index.primary, not index.unique, index.name)


def check_duplicates(table: Table) -> list[IndexSuggestion]:
    """Indexes identical in keys, INCLUDE, predicate and method: keep one, drop the rest."""
    groups: dict[tuple[Any, ...], list[Index]] = defaultdict(list)
    for index in table.indexes:
        if index.valid:
            groups[index_signature(index)].append(index)
    out = []
    for same in groups.values():
        if len(same) < 2:
            continue
        keep, *others = sorted(same, key=_keeper_rank)
        for index in others:
            if index.constraint or index.primary or (index.unique and not keep.unique):
                continue
            out.append(
                _drop(
                    "duplicate_index",
                    table,
                    index,
                    f"{index.name} is identical to {keep.name} ({index.definition}): every write "
                    "maintains both, reads use one",
                )
            )
    return out


def check_redundant(table: Table) -> list[IndexSuggestion]:
    """Plain btree indexes whose keys lead another btree index: the longer one serves both."""
    out = []
    for index in table.indexes:
        if (
            index.unique
            or index.constraint
            or not index.valid
            or index.method != "btree"
            or any(k.column is None for k in index.keys)
        ):
            continue
        signature = _key_signature(index)
        for other in table.indexes:
            if (
                other.name == index.name
                or not other.valid
                or other.method != "btree"
                or other.predicate != index.predicate
                or len(other.keys) <= len(index.keys)
                or _key_signature(other)[: len(signature)] != signature
                or not set(index.include) <= set(other.columns) | set(other.include)
            ):
                continue
            out.append(
                _drop(
                    "redundant_index",
                    table,
                    index,
                    f"{index.name} ({', '.join(index.columns)}) is a leading prefix of "
                    f"{other.name} ({', '.join(other.columns)}), which serves the same lookups",
                )
            )
            break
    return out


def check_unused(table: Table, usage: Usage) -> list[IndexSuggestion]:
    """Indexes never scanned since the statistics reset and big enough to matter."""
    since = f"since {usage.stats_reset}" if usage.stats_reset else "since statistics began"
    out = []
    for index in table.indexes:
        if (
            index.scans != 0
            or index.size_bytes < UNUSED_MIN_BYTES
            or index.constraint
            or index.unique
            or not index.valid
            or _serves_fk(table, index)
        ):
            continue
        out.append(
            _drop(
                "unused_index",
                table,
                index,
                f"{index.name} has had 0 scans {since} and takes "
                f"{index.size_bytes // 1024} kB; check replicas and rare jobs (month-end "
                "reports) before dropping",
                confidence="medium",
            )
        )
    return out


def check_invalid(table: Table) -> list[IndexSuggestion]:
    """Indexes left invalid by a failed CREATE INDEX CONCURRENTLY: maintained, never used."""
    out = []
    for index in table.indexes:
        if index.valid:
            continue
        reindex = sql.SQL("REINDEX INDEX CONCURRENTLY {}").format(
            sql.Identifier(table.schema_name, index.name)
        )
        out.append(
            _drop(
                "invalid_index",
                table,
                index,
                f"{index.name} is invalid (indisvalid = false, a failed concurrent build): "
                "writes maintain it, the planner never uses it; rebuild it, or drop it with "
                "DROP INDEX CONCURRENTLY if it is not wanted",
                kind="rebuild",
                ddl=reindex.as_string(),
            )
        )
    return out


def check_primary_key(table: Table) -> list[IndexSuggestion]:
    """Tables without a primary key: no row identity for ORMs, logical replication, updates."""
    if table.primary_key is not None or table.kind != "table":
        return []
    candidate = next(
        (
            i
            for i in table.indexes
            if i.unique
            and i.valid
            and i.predicate is None
            and all(k.column and not table.column(k.column).nullable for k in i.keys)  # type: ignore[union-attr]
        ),
        None,
    )
    target = sql.Identifier(table.schema_name, table.name)
    if candidate is not None:
        ddl = (
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}")
            .format(target, sql.Identifier(f"{table.name}_pkey"), sql.Identifier(candidate.name))
            .as_string()
        )
        how = f"promote the unique index {candidate.name} on NOT NULL columns"
    else:
        ddl = (
            sql.SQL("ALTER TABLE {} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
            .format(target)
            .as_string()
        )
        how = "add an identity column (rewrites the table: plan a maintenance window)"
    return [
        IndexSuggestion(
            rule="no_primary_key",
            kind="review",
            table=table.qualified,
            index=candidate.name if candidate else None,
            columns=candidate.columns if candidate else [],
            ddl=ddl,
            sqlmodel="id: int | None = Field(default=None, primary_key=True)",
            rationale=f"{table.name} has no primary key: SQLModel cannot map it, logical "
            f"replication cannot send its updates and deletes; {how}",
            confidence="high",
            verified=True,
        )
    ]


def _quote(value: str) -> str:
    return sql.Literal(value).as_string()


def _low_selectivity(table: Table, index: Index, usage: Usage) -> str | None:
    """The partial-index predicate for a lone boolean/status index, None if it is not one."""
    if (
        len(index.keys) != 1
        or index.keys[0].column is None
        or index.predicate
        or index.unique
        or index.constraint
        or index.method != "btree"
    ):
        return None
    name = index.keys[0].column
    column = table.column(name)
    if column is None:
        return None
    return _partial_predicate(name, column.type, usage.columns.get((table.name, name)))


def check_low_selectivity(table: Table, usage: Usage) -> list[IndexSuggestion]:
    """Lone indexes on a boolean or status column where a partial index fits better."""
    out = []
    for index in table.indexes:
        predicate = _low_selectivity(table, index, usage)
        if predicate is None:
            continue
        name = index.columns[0]
        column = table.column(name)
        stats = usage.columns.get((table.name, name))
        assert column is not None
        spec = IndexSpec(
            schema_name=table.schema_name, table=table.name, columns=(name,), predicate=predicate
        )
        if any(covers(other, spec) for other in table.indexes if other.name != index.name):
            continue
        share = (
            f"{stats.values[0]!r} in {stats.freqs[0]:.0%} of rows"
            if stats and stats.freqs
            else "two values"
        )
        reason = (
            f"{index.name} indexes {name} alone ({column.type}, {share}): the planner uses it "
            f"only for the rare values; the partial index WHERE {predicate} serves those at a "
            "fraction of the size and write cost"
        )
        out.append(
            create_suggestion(
                "low_selectivity_index",
                spec,
                reason,
                confidence="medium",
                concurrently=table.kind == "table",
            )
        )
        out.append(
            _drop(
                "low_selectivity_index",
                table,
                index,
                reason + f"; drop {index.name} once the partial index is in place",
                confidence="medium",
                verified=False,
            )
        )
    return out


def _partial_predicate(name: str, type_: str, stats: ColumnStats | None) -> str | None:
    """The WHERE that keeps the rare rows: `flag` / `NOT flag`, or `status <> 'common'`."""
    column = sql.Identifier(name).as_string()
    if type_ == "boolean":
        if stats and stats.values and stats.freqs and stats.freqs[0] >= LOW_SELECTIVITY_SHARE:
            return f"NOT {column}" if stats.values[0] == "t" else column
        return column
    if (
        stats is None
        or not stats.freqs
        or not 0 < stats.n_distinct <= STATUS_MAX_DISTINCT
        or stats.freqs[0] < LOW_SELECTIVITY_SHARE
    ):
        return None
    return f"{column} <> {_quote(stats.values[0])}"


def merge_creates(suggestions: list[IndexSuggestion]) -> list[IndexSuggestion]:
    """Drop a create whose plain btree keys lead another create on the same table."""
    creates = [s for s in suggestions if s.kind == "create"]
    out = []
    for suggestion in suggestions:
        longer = next(
            (
                other
                for other in creates
                if suggestion.kind == "create"
                and other is not suggestion
                and other.table == suggestion.table
                and other.method == suggestion.method == "btree"
                and other.predicate == suggestion.predicate is None
                and not suggestion.include
                and len(other.columns) > len(suggestion.columns)
                and set(other.columns[: len(suggestion.columns)]) == set(suggestion.columns)
            ),
            None,
        )
        if longer is None:
            out.append(suggestion)
        else:
            longer.rationale += f"; it also serves {suggestion.rule} ({suggestion.rationale})"
    return out


def check_schema(
    snapshot: SchemaSnapshot, usage: Usage, tenant_column: str | None
) -> list[IndexSuggestion]:
    """Every schema rule over every table of the snapshot."""
    out: list[IndexSuggestion] = []
    for table in snapshot.tables:
        if table.kind == "foreign table":
            continue
        out += check_unindexed_fks(table)
        out += check_tenant_leading(table, tenant_column, usage)
        out += check_duplicates(table)
        duplicates = {s.index for s in out if s.rule == "duplicate_index"}
        out += [s for s in check_redundant(table) if s.index not in duplicates]
        dropped = {s.index for s in out if s.kind == "drop" and s.table == table.qualified}
        out += [s for s in check_unused(table, usage) if s.index not in dropped]
        out += check_invalid(table)
        out += check_primary_key(table)
        out += check_low_selectivity(table, usage)
    return merge_creates(out)
