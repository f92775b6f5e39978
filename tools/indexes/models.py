"""The records of index advice: a proposed index, a suggestion, the advice as a whole.

Also the two renderings every suggestion carries: the DDL (always `CONCURRENTLY`, identifiers
quoted by psycopg) and the same index as SQLModel code. No database access here.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from psycopg import sql
from pydantic import BaseModel, ConfigDict, Field

from tools.catalog.models import Index, Table
from tools.findings import Rule
from tools.indexes.rules import RULES

Confidence = Literal["high", "medium", "low"]
Kind = Literal["create", "replace", "drop", "rebuild", "review"]
METHODS = frozenset({"btree", "hash", "gist", "spgist", "gin", "brin"})  # written unquoted
MAX_IDENTIFIER = 63  # NAMEDATALEN - 1: longer index names are truncated by Postgres


class IndexSpec(BaseModel):
    """An index to create (or one that exists), reduced to what makes two indexes the same."""

    model_config = ConfigDict(frozen=True)

    schema_name: str = Field(description="schema of the table")
    table: str = Field(description="table name, unqualified")
    columns: tuple[str, ...] = Field(description="key columns in order")
    include: tuple[str, ...] = Field((), description="INCLUDE (…) columns of a covering index")
    method: str = Field("btree", description="access method: btree, gin, gist, hash, brin")
    predicate: str | None = Field(None, description="WHERE of a partial index, SQL text")
    index_name: str | None = Field(None, description="name to use instead of the derived one")

    @property
    def qualified(self) -> str:
        """schema.table"""
        return f"{self.schema_name}.{self.table}"

    def label(self) -> str:
        """A short readable form: table(a, b) INCLUDE (c) WHERE …"""
        text = f"{self.table}({', '.join(self.columns)})"
        if self.method != "btree":
            text = f"{self.table} USING {self.method} ({', '.join(self.columns)})"
        if self.include:
            text += f" INCLUDE ({', '.join(self.include)})"
        if self.predicate:
            text += f" WHERE {self.predicate}"
        return text

    def name(self) -> str:
        """The SQLModel-style name `ix_<table>_<columns>`, shortened with a hash past 63 bytes."""
        if self.index_name:
            return self.index_name
        parts = [self.table, *self.columns]
        if self.predicate:
            parts.append("partial")
        name = "ix_" + "_".join(parts)
        if len(name.encode()) <= MAX_IDENTIFIER:
            return name
        digest = hashlib.sha1(self.label().encode()).hexdigest()[:8]
        return name.encode()[: MAX_IDENTIFIER - 9].decode(errors="ignore") + "_" + digest

    def create_sql(self, *, concurrently: bool = True, if_not_exists: bool = True) -> str:
        """CREATE INDEX text with every identifier quoted (the predicate is rendered SQL)."""
        head = "CREATE INDEX"
        if concurrently:
            head += " CONCURRENTLY"
        if if_not_exists:
            head += " IF NOT EXISTS"
        statement = sql.SQL(head + " {name} ON {table} USING {method} ({columns})").format(
            name=sql.Identifier(self.name()),
            table=sql.Identifier(self.schema_name, self.table),
            method=sql.SQL(self.method) if self.method in METHODS else sql.Identifier(self.method),
            columns=sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )
        if self.include:
            statement += sql.SQL(" INCLUDE ({})").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in self.include)
            )
        text = statement.as_string()
        if self.predicate:
            text += f" WHERE {self.predicate}"
        return text

    def sqlmodel(self) -> str:
        """The same index as SQLModel code: `Field(index=True)` or `Index(...)`."""
        if (
            len(self.columns) == 1
            and not self.include
            and not self.predicate
            and self.method == "btree"
            and self.index_name is None  # Field(index=True) always names it ix_<table>_<column>
        ):
            return f"{self.columns[0]}: … = Field(index=True)  # on class for {self.table}"
        args = [repr(self.name()), *(repr(c) for c in self.columns)]
        if self.method != "btree":
            args.append(f"postgresql_using={self.method!r}")
        if self.include:
            args.append(f"postgresql_include={list(self.include)!r}")
        if self.predicate:
            args.append(f"postgresql_where=text({self.predicate!r})")
        return f"__table_args__ = (Index({', '.join(args)}),)  # on class for {self.table}"


def drop_sql(schema: str, index: str, *, concurrently: bool = True) -> str:
    """DROP INDEX CONCURRENTLY with quoted identifiers (partitioned tables take no CONCURRENTLY)."""
    head = "DROP INDEX CONCURRENTLY IF EXISTS {}" if concurrently else "DROP INDEX IF EXISTS {}"
    return sql.SQL(head).format(sql.Identifier(schema, index)).as_string()


def drop_sqlmodel(index: str, columns: list[str]) -> str:
    """How the SQLModel code drops an index: remove its Index(...) or index=True."""
    if len(columns) == 1:
        return (
            f"remove index=True from Field {columns[0]!r} (or Index({index!r}, …) from "
            "__table_args__)"
        )
    return f"remove Index({index!r}, …) from __table_args__"


def spec_of(suggestion: IndexSuggestion) -> IndexSpec:
    """The index a create suggestion proposes."""
    schema_name, _, table = suggestion.table.partition(".")
    return IndexSpec(
        schema_name=schema_name,
        table=table,
        columns=tuple(suggestion.columns),
        include=tuple(suggestion.include),
        method=suggestion.method,
        predicate=suggestion.predicate,
    )


class QueryCost(BaseModel):
    """What one suggested index does to one workload query."""

    model_config = ConfigDict(frozen=True)

    query: str = Field(description="workload query id, e.g. q3 (see IndexAdvice.workload)")
    cost_before: float = Field(description="planner total cost without the index")
    cost_after: float | None = Field(
        None, description="planner total cost with it (hypothetical index); None if unproven"
    )


class IndexSuggestion(BaseModel):
    """One index to create, drop, rebuild or review, with its proof."""

    code: str = Field(description="stable rule code: " + ", ".join(RULES.titles()))
    rule: str = Field(
        description="the rule's name, an alias of its code: "
        + ", ".join(f"{r.name} = {r.code}" for r in RULES)
    )
    kind: Kind = Field(
        description="create, replace (create, then drop the indexes it makes unnecessary), drop, "
        "rebuild (REINDEX) or review (a change to the table: read it before running)"
    )
    table: str = Field(description="schema.table")
    index: str | None = Field(None, description="existing index name, or the proposed one")
    replaces: list[str] = Field(
        default_factory=list, description="replace: the existing indexes dropped once it is built"
    )
    columns: list[str] = Field(default_factory=list, description="key columns in order")
    include: list[str] = Field(default_factory=list, description="INCLUDE columns")
    method: str = Field("btree", description="access method")
    predicate: str | None = Field(None, description="WHERE of a partial index")
    ddl: str | None = Field(
        None,
        description="CREATE/DROP INDEX CONCURRENTLY … to run, one statement per line; outside a "
        "transaction block (psql -f, not inside BEGIN)",
    )
    sqlmodel: str | None = Field(None, description="the same change in SQLModel code")
    rationale: str = Field(description="why, in one or two sentences, with the evidence")
    queries: list[QueryCost] = Field(
        default_factory=list, description="workload queries it serves: planner cost before → after"
    )
    size_bytes: int | None = Field(
        None, description="estimated size (hypopg_relation_size) or actual size for drops"
    )
    confidence: Confidence = Field(description="high, medium or low")
    verified: bool = Field(
        False, description="true when the planner proved the gain (HypoPG) or a catalog fact is"
    )


class WorkloadQuery(BaseModel):
    """One query of the workload and what the suggested set does to it."""

    id: str = Field(description="q1, q2, … in input order")
    source: Literal["given", "pg_stat_statements"] = Field(description="where the query came from")
    text: str = Field(description="the query text, cut at 300 characters")
    calls: int = Field(1, description="weight: calls from pg_stat_statements, else 1")
    tables: list[str] = Field(default_factory=list, description="schema.table it reads")
    cost_before: float | None = Field(None, description="planner cost with existing indexes")
    cost_after: float | None = Field(None, description="planner cost with the suggested set")
    skipped: str | None = Field(None, description="why the query was not analysed, if it was not")


def create_suggestion(
    rule: Rule, spec: IndexSpec, rationale: str, *, concurrently: bool = True, **extra: object
) -> IndexSuggestion:
    """A create suggestion for spec, with its DDL and SQLModel form filled in.

    Partitioned tables take no CONCURRENTLY (pass concurrently=False for them).
    """
    return IndexSuggestion(
        code=rule.code,
        rule=rule.name,
        kind="create",
        table=spec.qualified,
        index=spec.name(),
        columns=list(spec.columns),
        include=list(spec.include),
        method=spec.method,
        predicate=spec.predicate,
        ddl=spec.create_sql(concurrently=concurrently),
        sqlmodel=spec.sqlmodel(),
        rationale=rationale,
        **extra,
    )


def restated(
    suggestion: IndexSuggestion, *, name: str | None = None, replaces: list[str] | None = None
) -> IndexSuggestion:
    """A create or replace with another name or other indexes to drop: DDL and code rebuilt."""
    spec = spec_of(suggestion)
    wanted = name or suggestion.index
    if wanted and wanted != spec.name():
        spec = spec.model_copy(update={"index_name": wanted})
    drops = suggestion.replaces if replaces is None else replaces
    schema = spec.schema_name
    concurrently = "CONCURRENTLY" in (suggestion.ddl or "")
    ddl = spec.create_sql(concurrently=concurrently)
    code = spec.sqlmodel()
    for old in drops:
        ddl += ";\n" + drop_sql(schema, old, concurrently=concurrently)
        code += f"; then {drop_sqlmodel(old, [])}"
    return suggestion.model_copy(
        update={
            "kind": "replace" if drops else "create",
            "index": spec.name(),
            "replaces": list(drops),
            "ddl": ddl,
            "sqlmodel": code,
        }
    )


def drop_suggestion(
    rule: Rule,
    table: Table,
    index: Index,
    rationale: str,
    *,
    confidence: Confidence = "high",
    kind: Kind = "drop",
    ddl: str | None = None,
    verified: bool = True,
) -> IndexSuggestion:
    """A suggestion about an existing index: drop it (default) or rebuild it."""
    return IndexSuggestion(
        code=rule.code,
        rule=rule.name,
        kind=kind,
        table=table.qualified,
        index=index.name,
        columns=index.columns,
        include=index.include,
        method=index.method,
        predicate=index.predicate,
        ddl=ddl or drop_sql(table.schema_name, index.name, concurrently=table.kind == "table"),
        sqlmodel=drop_sqlmodel(index.name, index.columns) if kind == "drop" else None,
        rationale=rationale,
        size_bytes=index.size_bytes,
        confidence=confidence,
        verified=verified,
    )


class IndexAdvice(BaseModel):
    """The index advice for one schema: schema rules plus the workload's proven indexes."""

    schema_name: str = Field(alias="schema", description="the schema examined")
    tenant_column: str | None = Field(description="tenant column given or detected")
    hypopg: bool = Field(description="whether HypoPG was there to prove workload candidates")
    stats_reset: str | None = Field(
        None, description="when this database's statistics were last reset (unused-index window)"
    )
    suggestions: list[IndexSuggestion] = Field(
        default_factory=list,
        description="one non-redundant set, in the order to apply it: creates (workload, then "
        "rules), replaces, rebuilds, reviews, drops",
    )
    workload: list[WorkloadQuery] = Field(default_factory=list, description="queries examined")
    total_cost_before: float | None = Field(
        None, description="calls-weighted planner cost of the workload now"
    )
    total_cost_after: float | None = Field(
        None, description="the same with the suggested indexes (HypoPG), None when unverified"
    )
    notes: list[str] = Field(default_factory=list, description="what was skipped and why")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
