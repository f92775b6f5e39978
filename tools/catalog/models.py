"""The catalog's frozen records: one pydantic model per catalog kind, every field described.

A `SchemaSnapshot` holds them all; comparisons are set operations on `(schema, name)` keys.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    """A frozen catalog record."""

    model_config = ConfigDict(frozen=True)


class Column(Record):
    """A column as Postgres describes it."""

    name: str
    type: str = Field(
        description="the type as format_type() renders it, e.g. character varying(255)"
    )
    nullable: bool
    default: str | None = Field(None, description="default expression as pg_get_expr renders it")
    identity: Literal["always", "by default"] | None = Field(
        None, description="GENERATED … AS IDENTITY"
    )
    generated: str | None = Field(
        None, description="expression of a GENERATED ALWAYS AS … STORED column"
    )
    comment: str | None = None
    enum: str | None = Field(
        None, description="schema.name of the enum type (or array element enum)"
    )
    is_array: bool = False


class PrimaryKey(Record):
    """The primary key constraint."""

    name: str
    columns: list[str]


class ForeignKey(Record):
    """A foreign key; composite keys keep their column pairs in order."""

    name: str
    columns: list[str]
    ref_schema: str
    ref_table: str
    ref_columns: list[str]
    on_delete: str = Field(description="NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT")
    on_update: str
    deferrable: bool = False
    initially_deferred: bool = False
    match_full: bool = False
    validated: bool = True
    definition: str = Field(description="pg_get_constraintdef()")


class UniqueConstraint(Record):
    """A UNIQUE constraint (not a unique index without constraint: see indexes)."""

    name: str
    columns: list[str]
    definition: str


class CheckConstraint(Record):
    """A CHECK constraint (NOT NULL constraints are reported on the columns)."""

    name: str
    columns: list[str] = Field(description="columns the expression mentions")
    expression: str = Field(description="the boolean expression, without CHECK ( )")
    definition: str


class IndexKey(Record):
    """One key of an index: a column or an expression, with its ordering and operator class."""

    column: str | None = Field(None, description="column name, None for an expression key")
    expression: str | None = Field(None, description="expression text for an expression key")
    descending: bool = False
    nulls_first: bool = False
    opclass: str | None = Field(None, description="operator class when not the type's default")

    @property
    def text(self) -> str:
        """The column name or the expression."""
        return self.column if self.column is not None else f"({self.expression})"


class Index(Record):
    """An index with everything that distinguishes it from another."""

    name: str
    keys: list[IndexKey]
    include: list[str] = Field(default_factory=list, description="INCLUDE (…) columns")
    method: str = "btree"
    unique: bool = False
    primary: bool = False
    constraint: str | None = Field(None, description="name of the constraint this index backs")
    predicate: str | None = Field(None, description="WHERE of a partial index")
    valid: bool = True
    definition: str = Field(description="pg_get_indexdef()")
    size_bytes: int = Field(0, description="from pg_class.relpages, as of the last VACUUM/ANALYZE")
    scans: int | None = Field(None, description="idx_scan since the statistics reset")

    @property
    def columns(self) -> list[str]:
        """Key columns (expressions in parentheses), in order."""
        return [key.text for key in self.keys]


class Policy(Record):
    """A row-level security policy."""

    name: str
    command: Literal["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"]
    roles: list[str] = Field(description="role names; PUBLIC when the policy applies to all")
    permissive: bool = True
    using: str | None = None
    with_check: str | None = None


class Table(Record):
    """A table with its columns, constraints, indexes and row-level security."""

    schema_name: str = Field(alias="schema")
    name: str
    kind: str = "table"
    owner: str
    comment: str | None = None
    row_estimate: int | None = Field(None, description="pg_class.reltuples; None if never analyzed")
    size_bytes: int = Field(
        0,
        description="table + TOAST + indexes, from pg_class.relpages (as of the last VACUUM or "
        "ANALYZE: no relation is opened, which stays cheap on Neon and on 1,000+ tables)",
    )
    columns: list[Column] = Field(default_factory=list)
    primary_key: PrimaryKey | None = None
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    unique_constraints: list[UniqueConstraint] = Field(default_factory=list)
    check_constraints: list[CheckConstraint] = Field(default_factory=list)
    indexes: list[Index] = Field(default_factory=list)
    rls_enabled: bool = False
    rls_forced: bool = False
    policies: list[Policy] = Field(default_factory=list)

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    @property
    def qualified(self) -> str:
        """schema.name"""
        return f"{self.schema_name}.{self.name}"

    def column(self, name: str) -> Column | None:
        """The column of that name, if any."""
        return next((c for c in self.columns if c.name == name), None)


class EnumType(Record):
    """An enum type and its labels in order."""

    schema_name: str = Field(alias="schema")
    name: str
    values: list[str]

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class ViewDependency(Record):
    """A relation (and column) a view's query reads: pg_depend on the view's rewrite rule."""

    schema_name: str = Field(alias="schema")
    relation: str
    column: str | None = Field(None, description="None when the view reads the relation whole")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class Grant(Record):
    """One privilege (of relacl, or of a column's attacl) held by a role other than the owner."""

    grantee: str | None = Field(description="the role; None for PUBLIC")
    privilege: str = Field(description="e.g. SELECT")
    grantable: bool = Field(False, description="WITH GRANT OPTION")
    column: str | None = Field(None, description="the column, for a column privilege")


class View(Record):
    """A view or materialized view."""

    schema_name: str = Field(alias="schema")
    name: str
    materialized: bool = False
    owner: str
    comment: str | None = None
    definition: str
    security_invoker: bool = False
    security_barrier: bool = False
    check_option: str | None = Field(None, description="local or cascaded (WITH CHECK OPTION)")
    columns: list[Column] = Field(default_factory=list)
    indexes: list[Index] = Field(default_factory=list, description="a materialized view's")
    depends_on: list[ViewDependency] = Field(
        default_factory=list, description="relations and columns the query reads"
    )
    grants: list[Grant] = Field(default_factory=list, description="privileges beyond the owner's")
    triggers: list[str] = Field(default_factory=list, description="pg_get_triggerdef() of each")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class Function(Record):
    """A function or procedure: enough to judge SECURITY DEFINER and search_path."""

    schema_name: str = Field(alias="schema")
    name: str
    arguments: str = Field(description="pg_get_function_identity_arguments()")
    returns: str | None = None
    language: str
    security_definer: bool = False
    volatility: Literal["immutable", "stable", "volatile"] = "volatile"
    config: list[str] = Field(default_factory=list, description="SET options, e.g. search_path=…")
    owner: str
    source: str | None = Field(None, description="body text for sql/plpgsql functions")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class Extension(Record):
    """An installed extension."""

    name: str
    version: str
    schema_name: str = Field(alias="schema")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class RoleInfo(Record):
    """The role the server connects as, and what it could do without the READ ONLY guard."""

    name: str
    superuser: bool
    bypass_rls: bool
    can_write: bool = Field(
        description="holds INSERT/UPDATE/DELETE on a table or CREATE on the schema"
    )
    owns_tables: int = Field(
        0, description="tables of the schema this role owns (RLS skips owners)"
    )


class SchemaSnapshot(Record):
    """One schema of a live database, as records."""

    schema_name: str = Field(alias="schema")
    server_version: int = Field(description="server_version_num, e.g. 170004")
    database: str
    search_path: list[str] = Field(
        default_factory=list,
        description="the session's schemas (current_schemas): view definitions qualify others",
    )
    role: RoleInfo
    tables: list[Table] = Field(default_factory=list)
    enums: list[EnumType] = Field(default_factory=list)
    views: list[View] = Field(default_factory=list)
    functions: list[Function] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    matched_tables: int = Field(0, description="tables matching the filter, before paging")
    more_tables: bool = Field(False, description="whether tables remain after this page")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    def table(self, name: str) -> Table | None:
        """The table of that name, if any."""
        return next((t for t in self.tables if t.name == name), None)

    def has_extension(self, name: str) -> bool:
        """Whether the extension is installed in the database."""
        return any(e.name == name for e in self.extensions)
