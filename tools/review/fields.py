"""One annotated attribute of a table class, read statically: a column `Field` or a Relationship.

SQLModel's own rules (`sqlmodel.main.get_column_from_field`) decide what the column is: an
explicit `nullable=` wins, else a primary key is NOT NULL and an annotation admitting None is
nullable; `sa_column=Column(...)` replaces every other argument; `sa_column_kwargs` is applied
last. An argument whose value is not a literal (or a module constant) is reported as unread.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import lru_cache
from types import EllipsisType

from tools.review.records import ModelField, ModelRelationship, Unread
from tools.review.sqltypes import TypeReading, dotted, last_name, literal, python_type, sa_type

# Field() arguments that shape the column: a non-literal value is reported, not guessed.
STRUCTURAL = (
    "primary_key",
    "foreign_key",
    "ondelete",
    "index",
    "unique",
    "nullable",
    "max_length",
    "max_digits",
    "decimal_places",
)
# Field() arguments pydantic alone uses: a corrected class keeps them as written.
PYDANTIC_ONLY = {
    "alias",
    "description",
    "discriminator",
    "examples",
    "exclude",
    "ge",
    "gt",
    "json_schema_extra",
    "le",
    "lt",
    "max_items",
    "min_items",
    "min_length",
    "multiple_of",
    "pattern",
    "regex",
    "repr",
    "schema_extra",
    "title",
}
CONTAINERS = {"List", "list", "Set", "set", "Sequence", "Tuple", "tuple", "FrozenSet"}
MAPPINGS = {"dict", "Dict", "Mapping", "Any", "object"}


@dataclass
class Scope:
    """What one module offers the reader: its text, constants and the classes seen so far."""

    file: str
    lines: list[str]
    constants: dict[str, object] = field(default_factory=dict)
    assigned: dict[str, ast.expr] = field(default_factory=dict)  # module-level name = node
    enums: dict[str, str] = field(default_factory=dict)  # enum class → Postgres enum name
    custom_types: set[str] = field(default_factory=set)  # UserDefinedType(name) classes
    table_classes: set[str] = field(default_factory=set)
    unread: list[Unread] = field(default_factory=list)
    sink: list[Unread] | None = None  # while a class is read, its own unread list

    def segment(self, node: ast.AST) -> str:
        """The source text of a node (cheap: the lines are split once per file)."""
        start, end = node.lineno - 1, (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
        col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        if start == end:
            return self.lines[start][col:end_col]
        parts = [self.lines[start][col:], *self.lines[start + 1 : end], self.lines[end][:end_col]]
        return "\n".join(parts)

    def trailing_comment(self, node: ast.AST) -> str:
        """The `# …` after a statement on its last line, without the hash."""
        line = self.lines[(node.end_lineno or node.lineno) - 1]  # type: ignore[attr-defined]
        rest = line[node.end_col_offset :].strip()  # type: ignore[attr-defined]
        return rest[1:].strip() if rest.startswith("#") else ""

    def report(self, node: ast.AST, construct: str, reason: str) -> None:
        """Record an unread construct at the node's line."""
        target = self.sink if self.sink is not None else self.unread
        target.append(Unread(self.file, getattr(node, "lineno", 0), construct, reason))

    def value(self, node: ast.AST | None) -> object:
        """A literal or module constant; `Ellipsis` when it cannot be told."""
        return literal(node, self.constants)


@dataclass
class Annotation:
    """An annotation taken apart: Optional[X], X | None, list[X], Annotated[X, …], "X"."""

    inner: ast.AST | None
    optional: bool = False
    is_list: bool = False
    choices: list[str] = field(default_factory=list)  # Literal["a", "b"]


def unwrap(node: ast.AST | None) -> Annotation:
    """The inner type of an annotation and what wraps it."""
    result = Annotation(node)
    for _ in range(8):
        node = result.inner
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parsed = _forward_reference(node.value)
            if parsed is None:
                return result
            result.inner = parsed
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = _flatten_union(node)
            rest = [s for s in sides if not _is_none(s)]
            result.optional = result.optional or len(rest) < len(sides)
            result.inner = rest[0] if len(rest) == 1 else None
            continue
        if isinstance(node, ast.Subscript):
            head = last_name(node.value)
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if head in ("Optional", "Union"):
                rest = [s for s in items if not _is_none(s)]
                result.optional = result.optional or head == "Optional" or len(rest) < len(items)
                result.inner = rest[0] if len(rest) == 1 else None
                continue
            if head == "Annotated":
                result.inner = items[0]
                continue
            if head in CONTAINERS:
                result.is_list, result.inner = True, items[0]
                continue
            if head == "Literal":
                result.choices = [str(literal(i)) for i in items if literal(i) is not ...]
                kinds = {type(literal(i)) for i in items}
                result.inner = ast.Name("str" if kinds <= {str} else "int")
                return result
            if head in MAPPINGS:
                result.inner = ast.Name(head)
                return result
        return result
    return result


@lru_cache(maxsize=4096)
def _forward_reference(text: str) -> ast.expr | None:
    """A string annotation ("Task", 'list["Task"]') parsed once; None when it is not Python."""
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return None


def _flatten_union(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_flatten_union(node.left), *_flatten_union(node.right)]
    return [node]


def _is_none(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and node.value is None) or last_name(node) == "None"


def call_name(node: ast.AST | None) -> str:
    """`Field` for `Field(...)` and `sqlmodel.Field(...)`; '' when not a call."""
    return last_name(node.func) if isinstance(node, ast.Call) else ""


def read_relationship(stmt: ast.AnnAssign, scope: Scope, owner: str) -> ModelRelationship:
    """A `name: list["Task"] = Relationship(back_populates=…)` attribute."""
    assert isinstance(stmt.target, ast.Name) and isinstance(stmt.value, ast.Call)
    parts = unwrap(stmt.annotation)
    kwargs = {k.arg: k.value for k in stmt.value.keywords if k.arg}
    if any(k.arg is None for k in stmt.value.keywords):
        scope.report(stmt, f"{owner}.{stmt.target.id}", "Relationship(**…) arguments not read")
    back = scope.value(kwargs.get("back_populates"))
    if "back_populates" in kwargs and not isinstance(back, str):
        scope.report(stmt, f"{owner}.{stmt.target.id}", "back_populates is not a literal string")
    link = last_name(kwargs["link_model"]) if "link_model" in kwargs else None
    sa_kwargs = kwargs.get("sa_relationship_kwargs")
    explicit = "sa_relationship" in kwargs or "sa_relationship_args" in kwargs
    if isinstance(sa_kwargs, ast.Dict):
        keys = {scope.value(k) for k in sa_kwargs.keys if k is not None}
        explicit = explicit or bool(keys & {"primaryjoin", "foreign_keys", "secondary"})
    elif sa_kwargs is not None:
        scope.report(stmt, f"{owner}.{stmt.target.id}", "sa_relationship_kwargs is not a dict")
        explicit = True
    return ModelRelationship(
        name=stmt.target.id,
        file=scope.file,
        line=stmt.lineno,
        target=last_name(parts.inner),
        is_list=parts.is_list,
        back_populates=back if isinstance(back, str) else None,
        link_model=link or None,
        explicit_join=explicit,
        source=scope.segment(stmt),
        owner=owner,
    )


def server_default(node: ast.AST, scope: Scope) -> str | EllipsisType | None:
    """SQL text of a server_default: text("now()"), func.now(), "x", true(); … if not literal."""
    name = call_name(node)
    if name == "text" and isinstance(node, ast.Call) and node.args:
        value = scope.value(node.args[0])
        return value if isinstance(value, str) else ...
    if isinstance(node, ast.Call) and dotted(node.func).split(".")[-2:-1] == ["func"]:
        if node.args or node.keywords:
            return ...
        function = last_name(node.func)
        return "CURRENT_TIMESTAMP" if function == "current_timestamp" else f"{function}()"
    if name in ("true", "false", "null") and isinstance(node, ast.Call):
        return name
    value = scope.value(node)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if value is None:
        return None
    return ...


def read_field(stmt: ast.AnnAssign, scope: Scope, owner: str) -> ModelField | None:
    """A column field; None for ClassVar and private attributes."""
    assert isinstance(stmt.target, ast.Name)
    name = stmt.target.id
    if name.startswith("_") or last_name(getattr(stmt.annotation, "value", None)) == "ClassVar":
        return None
    if last_name(stmt.annotation) == "ClassVar" or name == "model_config":
        return None
    where = f"{owner}.{name}"
    parts = unwrap(stmt.annotation)
    call = stmt.value if call_name(stmt.value) == "Field" else None
    kwargs: dict[str, ast.expr] = {}
    if call is not None:
        assert isinstance(call, ast.Call)
        kwargs = {k.arg: k.value for k in call.keywords if k.arg}
        if any(k.arg is None for k in call.keywords):
            scope.report(stmt, where, "Field(**…) arguments not read: the column may differ")
        if call.args:
            kwargs.setdefault("default", call.args[0])
    elif stmt.value is not None:
        kwargs["default"] = stmt.value
    values: dict[str, object] = {}
    for key in STRUCTURAL:
        if key in kwargs:
            values[key] = scope.value(kwargs[key])
            if values[key] is ...:
                scope.report(stmt, where, f"{key}= is not a literal the reader can see")
    result = ModelField(
        name=name,
        column=name,
        file=scope.file,
        line=stmt.lineno,
        annotation=ast.unparse(stmt.annotation) if stmt.annotation else "",
        optional=parts.optional,
        type_name=last_name(parts.inner),
        pg_type=None,
        choices=parts.choices,
        comment=scope.trailing_comment(stmt),
        source=scope.segment(stmt),
        owner=owner,
    )
    _defaults(result, kwargs)
    result.extra = {k: ast.unparse(v) for k, v in kwargs.items() if k in PYDANTIC_ONLY}
    result.primary_key = values.get("primary_key") is True
    foreign_key = values.get("foreign_key")
    result.foreign_key = foreign_key if isinstance(foreign_key, str) else None
    ondelete = values.get("ondelete")
    result.ondelete = ondelete if isinstance(ondelete, str) else None
    result.index = values.get("index") is True
    result.unique = values.get("unique") is True
    result.nullable = not result.primary_key and parts.optional
    if isinstance(values.get("nullable"), bool):
        result.nullable, result.nullable_given = bool(values["nullable"]), True
    reading = _column_type(parts, kwargs, values, scope)
    if "sa_column" in kwargs:
        reading = _sa_column(result, kwargs["sa_column"], reading, scope)
    if "sa_column_kwargs" in kwargs:
        _sa_column_kwargs(result, kwargs["sa_column_kwargs"], scope)
    if "sa_column_args" in kwargs:
        _sa_column_args(result, kwargs["sa_column_args"], scope)
    result.pg_type, result.enum, result.enum_class = (
        reading.pg_type,
        reading.enum,
        reading.enum_class,
    )
    if reading.pg_type is None:
        scope.report(stmt, where, reading.problem or "column type not known statically")
    return result


def _defaults(result: ModelField, kwargs: dict[str, ast.expr]) -> None:
    if "default_factory" in kwargs:
        result.default_factory = ast.unparse(kwargs["default_factory"])
    if "default" in kwargs and not (
        isinstance(kwargs["default"], ast.Constant) and kwargs["default"].value is Ellipsis
    ):
        result.default = ast.unparse(kwargs["default"])


def _column_type(
    parts: Annotation, kwargs: dict[str, ast.expr], values: dict[str, object], scope: Scope
) -> TypeReading:
    """sa_type= wins; else the annotation as SQLModel maps it."""
    if "sa_type" in kwargs:
        return sa_type(kwargs["sa_type"], scope.enums, scope.custom_types, scope.constants)
    name = last_name(parts.inner)
    if parts.is_list or name in MAPPINGS:
        shown = ast.unparse(parts.inner) if parts.inner is not None else "this type"
        if parts.is_list:
            shown = f"list[{shown}]"
        return TypeReading(None, problem=f"{shown} has no SQLModel type: pass sa_type= (JSONB?)")
    digits = (values.get("max_digits"), values.get("decimal_places"))
    pg_type = python_type(name, scope.enums, values.get("max_length"), digits)
    if pg_type is None:
        return TypeReading(None, problem=f"type {name or '?'} has no SQLAlchemy type known here")
    if name in scope.enums:
        return TypeReading(pg_type, enum=pg_type, enum_class=name)
    return TypeReading(pg_type)


def _sa_column(
    result: ModelField, node: ast.AST, reading: TypeReading, scope: Scope
) -> TypeReading:
    """Field(sa_column=Column(name?, type, ForeignKey(…), primary_key=…, nullable=…))."""
    result.sa_column = True
    if call_name(node) != "Column" or not isinstance(node, ast.Call):
        scope.report(node, f"{result.owner}.{result.name}", "sa_column is not a Column(...) call")
        return reading
    # SQLModel uses the Column as given: the Field's own arguments no longer shape it.
    result.primary_key = result.index = result.unique = False
    result.foreign_key = result.ondelete = None
    args = list(node.args)
    if args and isinstance(scope.value(args[0]), str):
        result.column = str(scope.value(args.pop(0)))
    type_read: TypeReading | None = None
    for arg in args:
        if call_name(arg) == "ForeignKey" and isinstance(arg, ast.Call):
            _foreign_key(result, arg, scope)
        elif call_name(arg) == "Identity" and isinstance(arg, ast.Call):
            _identity(result, arg, scope)
        elif type_read is None:
            type_read = sa_type(arg, scope.enums, scope.custom_types, scope.constants)
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    if "type_" in keywords:
        type_read = sa_type(keywords["type_"], scope.enums, scope.custom_types, scope.constants)
    _column_keywords(result, keywords, scope, primary_default=True)
    if type_read is None:
        return TypeReading(None, problem="Column(...) without a type")
    return type_read


def _foreign_key(result: ModelField, call: ast.Call, scope: Scope) -> None:
    target = scope.value(call.args[0]) if call.args else ...
    if not isinstance(target, str):
        scope.report(call, f"{result.owner}.{result.name}", "ForeignKey target is not a string")
        return
    result.foreign_key = target
    for keyword in call.keywords:
        if keyword.arg == "ondelete" and isinstance(scope.value(keyword.value), str):
            result.ondelete = str(scope.value(keyword.value))


def _column_keywords(
    result: ModelField, keywords: dict[str, ast.expr], scope: Scope, primary_default: bool
) -> None:
    """primary_key, nullable, index, unique, server_default, name, autoincrement."""
    where = f"{result.owner}.{result.name}"
    for key in ("primary_key", "index", "unique", "nullable", "autoincrement"):
        if key not in keywords:
            continue
        value = scope.value(keywords[key])
        if not isinstance(value, bool) and not (key == "autoincrement" and value == "auto"):
            scope.report(keywords[key], where, f"{key}= is not a literal the reader can see")
            continue
        if key == "nullable":
            result.nullable, result.nullable_given = bool(value), True
        elif key == "autoincrement":
            result.autoincrement = value if isinstance(value, bool) else None
        else:
            setattr(result, key, bool(value))
    if primary_default and "nullable" not in keywords:
        result.nullable = not result.primary_key  # Column's own default
    if "name" in keywords and isinstance(scope.value(keywords["name"]), str):
        result.column = str(scope.value(keywords["name"]))
    if "server_default" in keywords:
        default = server_default(keywords["server_default"], scope)
        if default is ...:
            scope.report(keywords["server_default"], where, "server_default is not readable")
        else:
            result.server_default = default


def _sa_column_kwargs(result: ModelField, node: ast.AST, scope: Scope) -> None:
    if not isinstance(node, ast.Dict) or any(k is None for k in node.keys):
        scope.report(node, f"{result.owner}.{result.name}", "sa_column_kwargs is not a dict")
        return
    keywords = {str(scope.value(k)): v for k, v in zip(node.keys, node.values, strict=True) if k}
    _column_keywords(result, keywords, scope, primary_default=False)


def _sa_column_args(result: ModelField, node: ast.AST, scope: Scope) -> None:
    items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else None
    if items is None:
        scope.report(node, f"{result.owner}.{result.name}", "sa_column_args is not a list")
        return
    for item in items:
        if call_name(item) == "ForeignKey" and isinstance(item, ast.Call):
            _foreign_key(result, item, scope)
        elif call_name(item) == "Identity" and isinstance(item, ast.Call):
            _identity(result, item, scope)
        else:
            scope.report(item, f"{result.owner}.{result.name}", f"{ast.unparse(item)} not read")


def _identity(result: ModelField, call: ast.Call, scope: Scope) -> None:
    always = next((scope.value(k.value) for k in call.keywords if k.arg == "always"), False)
    result.identity = "always" if always is True else "by default"
