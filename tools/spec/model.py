"""The records `read_schema_spec` returns: entities, columns, indexes, relationships, warnings.

Every record keeps the 1-based line of the spec it came from, so a finding can quote it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


class SpecRecord(BaseModel):
    """A record read from the spec (mutable while the parser merges sources)."""

    model_config = ConfigDict(validate_assignment=False)


class Reference(SpecRecord):
    """The target of a foreign key as the spec states it."""

    table: str = Field(description="referenced table")
    column: str | None = Field(None, description="referenced column; None when the spec omits it")
    on_delete: str | None = Field(
        None, description="CASCADE, SET NULL, RESTRICT, NO ACTION or SET DEFAULT when stated"
    )
    guessed: bool = Field(False, description="true when inferred (e.g. `user_id FK` -> users.id)")


class SpecColumn(SpecRecord):
    """One column as the spec describes it."""

    name: str = Field(description="column name as written (camelCase kept)")
    type: str = Field("", description="the type in the spec's own words, e.g. `String?`, `int`")
    pg_type: str = Field(
        "text",
        description="the Postgres type in format_type spelling, e.g. `character varying(255)`",
    )
    type_guessed: bool = Field(
        False, description="true when pg_type is a reading of loose words (`string`, `datetime`)"
    )
    nullable: bool = Field(True, description="false when NOT NULL, required or primary key")
    primary_key: bool = Field(False, description="part of the primary key")
    unique: bool = Field(False, description="UNIQUE on this column alone")
    indexed: bool = Field(False, description="the spec asks for an index on this column alone")
    default: str | None = Field(None, description="database default as SQL, e.g. now()")
    app_default: str | None = Field(
        None, description="default set by the application (default_factory, @default(cuid()))"
    )
    auto_increment: bool = Field(False, description="serial / AUTO_INCREMENT / identity")
    identity: Literal["always", "by default"] | None = Field(
        None, description="GENERATED … AS IDENTITY when the spec says identity"
    )
    references: Reference | None = Field(None, description="foreign key target, if any")
    enum_values: list[str] = Field(default_factory=list, description="inline enum labels")
    enum_name: str | None = Field(None, description="the enum type this column uses, if any")
    check: str | None = Field(None, description="CHECK expression stated on the column")
    description: str = Field("", description="the spec's words about the column")
    notes: list[str] = Field(
        default_factory=list, description="constraint words not turned into a field"
    )
    stated: list[str] = Field(
        default_factory=list, description="attributes the spec states explicitly (type, nullable…)"
    )
    line: int = Field(0, description="1-based line of the spec")
    _dialects: set[str] = PrivateAttr(default_factory=set)
    _rank: int = PrivateAttr(3)
    _source: str = PrivateAttr("bullets")
    _user_type: bool = PrivateAttr(False)
    _typed_by_reference: bool = PrivateAttr(False)

    @property
    def user_type(self) -> bool:
        """Typed by a name that is not a known type (an enum defined elsewhere?)."""
        return self._user_type

    @user_type.setter
    def user_type(self, value: bool) -> None:
        self._user_type = value

    @property
    def typed_by_reference(self) -> bool:
        """Its type is its foreign key target's, filled in once every table is read."""
        return self._typed_by_reference

    @typed_by_reference.setter
    def typed_by_reference(self, value: bool) -> None:
        self._typed_by_reference = value

    @property
    def dialects(self) -> set[str]:
        """Dialects its type words came from (not serialised)."""
        return self._dialects


class Entity(SpecRecord):
    """A table of the spec."""

    name: str = Field(description="table name as Postgres would see it")
    line: int = Field(0, description="line of its heading or CREATE TABLE")
    description: str = Field("", description="the first sentence under its heading")
    columns: list[SpecColumn] = Field(default_factory=list, description="columns in order")
    sources: list[str] = Field(
        default_factory=list, description="forms it was read from: bullets, table, sql, python…"
    )
    managed_by: str | None = Field(None, description="the library that owns it, e.g. Better Auth")
    external: bool = Field(False, description="owned elsewhere: a valid FK target, never drift")
    future: bool = Field(False, description="in a section marked future, optional or planned")
    rls_enabled: bool = Field(False, description="ALTER TABLE … ENABLE ROW LEVEL SECURITY seen")
    notes: list[str] = Field(default_factory=list, description="validation rules and remarks")

    # (id of `columns`, how many are indexed, the last of them, first column of each name): a
    # table of 5,000 columns looked each one up by a scan (quadratic, issue #13).
    _by_name: tuple[int, int, SpecColumn | None, dict[str, SpecColumn]] | None = PrivateAttr(None)

    def __eq__(self, other: object) -> bool:
        """Equal as records: the name index is a cache, not part of the entity."""
        if not isinstance(other, Entity):
            return NotImplemented
        mine, theirs = (dict(e.__pydantic_private__ or {}) for e in (self, other))
        mine.pop("_by_name", None)
        theirs.pop("_by_name", None)
        return self.__dict__ == other.__dict__ and mine == theirs

    def column(self, name: str) -> SpecColumn | None:
        """The column of that name, if any."""
        columns, index = self.columns, self._by_name
        if index and index[0] == id(columns) and 0 < index[1] <= len(columns):
            known, by_name = (index[1], index[3]) if columns[index[1] - 1] is index[2] else (0, {})
        else:
            known, by_name = 0, {}
        if known != len(columns):
            for column in columns[known:]:
                by_name.setdefault(column.name, column)
            self._by_name = (id(columns), len(columns), columns[-1] if columns else None, by_name)
        found = by_name.get(name)
        if found is not None and found.name != name:  # renamed since it was indexed
            self._by_name = None
            return next((c for c in columns if c.name == name), None)
        return found


class SpecIndex(SpecRecord):
    """An index the spec asks for."""

    table: str = Field(description="indexed table")
    columns: list[str] = Field(description="column names or (expressions)")
    name: str | None = Field(None, description="index name when the spec gives one")
    unique: bool = Field(False, description="UNIQUE index")
    method: str = Field("btree", description="access method: btree, gin, gist…")
    where: str | None = Field(None, description="predicate of a partial index")
    purpose: str = Field("", description="why, in the spec's words")
    future: bool = Field(False, description="asked for in a future/optional section")
    line: int = Field(0, description="1-based line of the spec")


class SpecConstraint(SpecRecord):
    """A table-level constraint, or a rule stated in words."""

    table: str | None = Field(None, description="table; None for a rule about several")
    kind: Literal["primary key", "unique", "check", "foreign key", "rule"] = Field(
        description="rule = a constraint stated only in words"
    )
    columns: list[str] = Field(default_factory=list, description="constrained columns")
    name: str | None = Field(None, description="constraint name when given")
    expression: str | None = Field(None, description="CHECK expression, or the rule's words")
    references: Reference | None = Field(None, description="target of a foreign key")
    ref_columns: list[str] = Field(
        default_factory=list, description="referenced columns of a composite foreign key"
    )
    line: int = Field(0, description="1-based line of the spec")


class Relationship(SpecRecord):
    """A relationship stated in words, in a diagram or by Relationship(...)."""

    from_table: str = Field(description="table the sentence starts from")
    to_table: str = Field(description="the other table")
    kind: str = Field("", description="one-to-many, many-to-one, one-to-one, many-to-many")
    via: str | None = Field(None, description="the FK column when named")
    text: str = Field("", description="the spec's words")
    line: int = Field(0, description="1-based line of the spec")


class SpecEnum(SpecRecord):
    """An enum type (CREATE TYPE … AS ENUM, a Prisma enum, or an inline enum(a, b))."""

    name: str = Field(description="type name (inline enums: <table>_<column>)")
    values: list[str] = Field(description="labels in order")
    line: int = Field(0, description="1-based line of the spec")


class SpecPolicy(SpecRecord):
    """A CREATE POLICY from a SQL block."""

    table: str = Field(description="table the policy is on")
    name: str = Field(description="policy name")
    command: str = Field("ALL", description="ALL, SELECT, INSERT, UPDATE or DELETE")
    using: str | None = Field(None, description="USING expression")
    with_check: str | None = Field(None, description="WITH CHECK expression")
    line: int = Field(0, description="1-based line of the spec")


class SpecFunction(SpecRecord):
    """A function or procedure the spec defines (CREATE FUNCTION, or a heading under Functions)."""

    name: str = Field(description="function name")
    returns: str | None = Field(None, description="return type as written, e.g. TABLE (...)")
    arguments: list[str] = Field(default_factory=list, description="arguments as written")
    language: str | None = Field(None, description="plpgsql, sql… when stated")
    line: int = Field(0, description="1-based line of the spec")


class SpecTrigger(SpecRecord):
    """A trigger the spec defines (CREATE TRIGGER, or a heading under Triggers)."""

    name: str = Field(description="trigger name")
    table: str | None = Field(None, description="table it fires on, when stated")
    function: str | None = Field(None, description="function it executes, when stated")
    timing: str | None = Field(None, description="BEFORE, AFTER or INSTEAD OF")
    events: list[str] = Field(default_factory=list, description="INSERT, UPDATE, DELETE…")
    line: int = Field(0, description="1-based line of the spec")


class SpecView(SpecRecord):
    """A view or materialized view the spec defines: never a table."""

    name: str = Field(description="view name")
    materialized: bool = Field(False, description="a materialized view")
    columns: list[str] = Field(default_factory=list, description="output columns when stated")
    line: int = Field(0, description="1-based line of the spec")


class SpecWarning(SpecRecord):
    """A line the parser could not read, or read with a guess."""

    line: int = Field(description="1-based line of the spec (0 for the whole file)")
    message: str = Field(description="what could not be read, or what was guessed")
    text: str = Field("", description="the line as written (shortened)")


class SchemaSpec(SpecRecord):
    """A schema spec file read into records, with warnings for whatever could not be read."""

    path: str = Field(description="the file read, relative to the project root")
    sha256: str = Field("", description="sha256 of the file's bytes (of the text for parse_spec)")
    entities: list[Entity] = Field(default_factory=list, description="current tables")
    future: list[Entity] = Field(
        default_factory=list, description="tables of sections marked future/optional, kept apart"
    )
    indexes: list[SpecIndex] = Field(default_factory=list, description="indexes asked for")
    constraints: list[SpecConstraint] = Field(
        default_factory=list, description="table-level keys and checks, and rules in words"
    )
    relationships: list[Relationship] = Field(
        default_factory=list, description="relationships stated in words, diagrams or code"
    )
    enums: list[SpecEnum] = Field(default_factory=list, description="enum types")
    policies: list[SpecPolicy] = Field(
        default_factory=list, description="CREATE POLICY statements of SQL blocks"
    )
    functions: list[SpecFunction] = Field(
        default_factory=list, description="functions and procedures (not tables)"
    )
    triggers: list[SpecTrigger] = Field(default_factory=list, description="triggers")
    views: list[SpecView] = Field(
        default_factory=list, description="views and materialized views (not tables)"
    )
    tenant_column: str | None = Field(None, description="column isolating tenants, if stated")
    shared_tables: list[str] = Field(
        default_factory=list, description="tables stated as shared across tenants"
    )
    external_tables: list[str] = Field(
        default_factory=list, description="tables managed by an auth library or elsewhere"
    )
    dialects: list[str] = Field(
        default_factory=list, description="flavours seen: postgresql, mysql, sqlite, prisma…"
    )
    warnings: list[SpecWarning] = Field(
        default_factory=list, description="every line not read, or read with a guess"
    )
    unread_lines: int = Field(
        0,
        description="non-blank lines inside table sections that no reader read nor warned about"
        " (each now has a 'not read' warning): 0 when the reader understood every line",
    )
    unread_share: float = Field(
        0.0, description="unread_lines as a share of the non-blank lines of table sections"
    )
    text: str | None = Field(None, description="the raw file, when include_text=True")

    def entity(self, name: str) -> Entity | None:
        """The current entity of that name, if any."""
        return next((e for e in self.entities if e.name == name), None)
