"""What the static reader finds in SQLModel code: classes, fields, relationships, table args.

Plain dataclasses filled by `tools.review.reader` (never by running the code); every record keeps
its file and 1-based line, so a finding can point at it. `Unread` is the honest part: what the
reader saw but could not tell without executing the module.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unread:
    """A construct that cannot be read statically, and why."""

    file: str
    line: int
    construct: str
    reason: str


@dataclass
class ModelField:
    """One column field of a table class (own or inherited)."""

    name: str  # the Python attribute
    column: str  # the database column (sa_column_kwargs name=, Column("name", …))
    file: str
    line: int
    annotation: str  # as written
    optional: bool  # the annotation admits None
    type_name: str  # the inner annotation's last name: str, int, Status…
    pg_type: str | None  # None: not readable (see the class's unread list)
    enum: str | None = None  # Postgres enum name
    enum_class: str | None = None
    primary_key: bool = False
    foreign_key: str | None = None  # "table.column" or "schema.table.column" as written
    ondelete: str | None = None  # as written
    index: bool = False
    unique: bool = False
    nullable: bool = True  # what SQLModel creates
    nullable_given: bool = False  # nullable stated (Field, sa_column_kwargs or Column)
    server_default: str | None = None  # SQL text of a server_default
    default: str | None = None  # Python default as written (`None`, `False`, `Status.todo`)
    default_factory: str | None = None
    sa_column: bool = False  # Field(sa_column=Column(...))
    autoincrement: bool | None = None  # Column/sa_column_kwargs autoincrement=, when given
    identity: str | None = None  # "always" / "by default" for Identity(...)
    extra: dict[str, str] = field(default_factory=dict)  # pydantic-only Field args, as written
    comment: str = ""  # the trailing `# …` comment of its line
    choices: list[str] = field(default_factory=list)  # Literal[...] values or CHECK IN list
    source: str = ""  # the statement as written
    owner: str = ""  # the class that declares it


@dataclass
class ModelRelationship:
    """One `Relationship()` attribute."""

    name: str
    file: str
    line: int
    target: str  # the class on the other side ('' when not readable)
    is_list: bool
    back_populates: str | None = None
    link_model: str | None = None
    explicit_join: bool = False  # sa_relationship_kwargs sets primaryjoin / foreign_keys
    source: str = ""
    owner: str = ""  # the class that declares it


@dataclass
class ModelIndex:
    """An index: `index=True` on a field, or `Index(...)` in `__table_args__`."""

    name: str | None
    columns: list[str]  # column names; expressions as "(expr)"
    unique: bool
    line: int
    expression: bool = False  # a key is an expression
    predicate: str | None = None  # postgresql_where
    method: str = "btree"
    opclasses: dict[str, str] = field(default_factory=dict)  # postgresql_ops: column → class


@dataclass
class ModelConstraint:
    """A `UniqueConstraint`, `CheckConstraint`, `ForeignKeyConstraint` or primary key."""

    kind: str  # unique, check, foreign key, primary key
    columns: list[str]
    line: int
    name: str | None = None
    expression: str | None = None  # CHECK text
    ref_columns: list[str] = field(default_factory=list)  # "table.column" as written
    ondelete: str | None = None


@dataclass
class ModelClass:
    """A `table=True` class with everything read from it and its bases."""

    name: str
    file: str
    line: int
    end_line: int
    table: str | None  # None when `__tablename__` is not readable
    table_given: bool  # `__tablename__` written (else SQLModel's class name in lower case)
    schema: str | None  # `__table_args__` {"schema": ...}
    bases: list[str]
    header: str = ""  # the class statement as written: `class Task(OrgOwned, table=True):`
    fields: list[ModelField] = field(default_factory=list)
    relationships: list[ModelRelationship] = field(default_factory=list)
    indexes: list[ModelIndex] = field(default_factory=list)
    constraints: list[ModelConstraint] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    future_annotations: int = 0  # line of `from __future__ import annotations`, 0 if none
    docstring: str = ""
    indent: str = "    "

    def field(self, name: str) -> ModelField | None:
        """The field of that attribute or column name, if any."""
        return next((f for f in self.fields if f.name == name or f.column == name), None)

    def relationship(self, name: str) -> ModelRelationship | None:
        """The relationship attribute of that name, if any."""
        return next((r for r in self.relationships if r.name == name), None)

    @property
    def location(self) -> str:
        """file:line of the class statement."""
        return f"{self.file}:{self.line}"


@dataclass
class ModelFile:
    """One module as read: its table classes, enums and what could not be read."""

    path: str  # relative to the project root
    classes: list[ModelClass] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    enums: dict[str, list[str]] = field(default_factory=dict)  # class → member names
    parsed: bool = True
