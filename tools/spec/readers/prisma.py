"""Prisma `model` and `enum` blocks of a spec, read line by line (Prisma is not SQL).

Types follow what Prisma creates on Postgres (`DateTime` is `timestamp(3) without time zone`,
`Decimal` is `numeric(65,30)`, `@db.*` attributes win); relation fields become foreign keys; a
field typed by a name is an enum when one has that name, else a relation (resolved at the end).
"""

from __future__ import annotations

import re

from tools.naming import action_word
from tools.spec.builder import SpecBuilder
from tools.spec.model import Reference, SpecColumn, SpecConstraint, SpecEnum, SpecIndex

PRISMA_TYPES = {
    "String": "text",
    "Int": "integer",
    "BigInt": "bigint",
    "Float": "double precision",
    "Decimal": "numeric(65,30)",
    "Boolean": "boolean",
    "DateTime": "timestamp(3) without time zone",
    "Json": "jsonb",
    "Bytes": "bytea",
}


PRISMA_DB = {
    "Text": "text",
    "LongText": "text",
    "MediumText": "text",
    "Uuid": "uuid",
    "Date": "date",
    "Timestamptz": "timestamp with time zone",
    "Timestamp": "timestamp without time zone",
    "SmallInt": "smallint",
    "Integer": "integer",
    "DoublePrecision": "double precision",
    "JsonB": "jsonb",
    "Json": "json",
    "Inet": "inet",
    "Citext": "citext",
    "Real": "real",
    "Char": "character",
    "Xml": "xml",
    "Money": "money",
}


_PRISMA_FIELD = re.compile(
    r"^(?P<name>\w+)\s+(?P<type>\w+)(?P<list>\[\])?(?P<opt>\?)?\s*(?P<attrs>.*)$"
)


FIELD_ATTR = re.compile(
    r"(?<![\w@.])@(?P<name>[A-Za-z][\w.]*)(?:\((?P<args>[^()]*(?:\([^()]*\)[^()]*)*)\))?"
)


def _list_arg(args: str, key: str | None = None) -> list[str]:
    if key:
        match = re.search(rf"{key}\s*:\s*\[([^\]]*)\]", args)
    else:
        match = re.search(r"^\s*\[([^\]]*)\]", args) or re.search(
            r"fields\s*:\s*\[([^\]]*)\]", args
        )
    return (
        [v.strip().split("(")[0] for v in match.group(1).split(",") if v.strip()] if match else []
    )


def read_prisma(code: str, first_line: int, builder: SpecBuilder, future: bool) -> None:
    """Read Prisma `model` and `enum` blocks (relations become foreign keys)."""
    lines = code.splitlines()
    index = 0
    while index < len(lines):
        text = lines[index].split("//")[0].strip()
        line = first_line + index
        opened = re.match(r"^(model|enum|type|view)\s+(\w+)\s*\{\s*$", text)
        if not opened:
            if text.startswith("@@index"):
                builder.warn(line, "@@index outside a model: table unknown")
            elif text and text not in ("}",) and not text.startswith(("datasource", "generator")):
                builder.warn(line, "prisma line not read")
            index += 1
            continue
        body: list[tuple[int, str]] = []
        index += 1
        while index < len(lines) and lines[index].strip() != "}":
            body.append((first_line + index, lines[index].split("//")[0].strip()))
            index += 1
        index += 1
        if opened.group(1) == "enum":
            values = [t.split()[0] for _, t in body if t and not t.startswith("@")]
            builder.enums[opened.group(2)] = SpecEnum(
                name=opened.group(2), values=values, line=line
            )
        elif opened.group(1) == "model":
            _prisma_model(opened.group(2), line, body, builder, future)


def _prisma_model(
    name: str, line: int, body: list[tuple[int, str]], builder: SpecBuilder, future: bool
) -> None:
    table = name
    for _, text in body:
        mapped = re.match(r'^@@map\(\s*"(\w+)"\s*\)', text)
        if mapped:
            table = mapped.group(1)
    entity = builder.entity(table, line, "prisma", future=future, defines=True)
    maybe = builder.prisma_maybe
    relations: list[tuple[list[str], str, list[str], str | None, int]] = []
    for field_line, text in body:
        if not text:
            continue
        if text.startswith("@@"):
            _prisma_block_attr(text, table, field_line, builder)
            continue
        match = _PRISMA_FIELD.match(text)
        if not match:
            builder.warn(field_line, "prisma field not read")
            continue
        attrs = field_attributes(match.group("attrs"))
        type_name = match.group("type")
        if "relation" in attrs and "fields" in attrs["relation"]:
            action = re.search(r"onDelete\s*:\s*(\w+)", attrs["relation"])
            relations.append(
                (
                    _list_arg(attrs["relation"], "fields"),
                    type_name,
                    _list_arg(attrs["relation"], "references"),
                    action.group(1) if action else None,
                    field_line,
                )
            )
            continue
        if match.group("list") and type_name not in PRISMA_TYPES:
            continue  # back-relation list: posts Post[]
        mapped = re.search(r'"(\w+)"', attrs.get("map", ""))
        column_name = mapped.group(1) if mapped else match.group("name")
        pg_type = PRISMA_TYPES.get(type_name)
        column = SpecColumn(
            name=column_name,
            type=type_name + (match.group("list") or "") + (match.group("opt") or ""),
            pg_type=(pg_type or type_name) + ("[]" if match.group("list") else ""),
            nullable=bool(match.group("opt")),
            line=field_line,
            stated=["type", "nullable"],
        )
        for name in apply_field_attributes(column, attrs, builder.dialects):
            if name not in ("map", "relation"):
                builder.warn(
                    field_line, f"prisma attribute @{name} of {table}.{column_name} not read"
                )
        if pg_type is None and not any(a.startswith("db.") for a in attrs):
            maybe.append(f"{table}.{column_name}")
        builder.add_column(entity, column, "prisma")
    for fields, target, references, on_delete, field_line in relations:
        for position, field_name in enumerate(fields):
            fk_column = entity.column(field_name)
            if fk_column is None:
                builder.warn(
                    field_line, f"relation names {table}.{field_name}, a field defined nowhere"
                )
                continue
            fk_column.references = Reference(
                table=target,
                column=references[position] if position < len(references) else None,
                on_delete=action_word(on_delete),
            )
            fk_column.stated = sorted(set(fk_column.stated) | {"references"})


def field_attributes(text: str) -> dict[str, str]:
    """`@id @default(now())` -> {"id": "", "default": "now()"}; `a@b.c` holds no attribute."""
    return {a.group("name"): a.group("args") or "" for a in FIELD_ATTR.finditer(text)}


def apply_field_attributes(
    column: SpecColumn, attrs: dict[str, str], dialects: set[str]
) -> list[str]:
    """Apply @id, @unique, @default(…), @updatedAt and @db.* to a column; return names not read."""
    unread = []
    for attr, args in attrs.items():
        if attr == "id":
            column.primary_key, column.nullable = True, False
            column.stated += ["primary_key", "nullable"]
        elif attr == "unique":
            column.unique = True
            column.stated.append("unique")
        elif attr == "default":
            _default(column, args.strip())
        elif attr == "updatedAt":
            column.app_default = "@updatedAt"
        elif attr.startswith("db.") and (db_type := _db_type(attr[3:], args)):
            if attr[3:] in ("LongText", "MediumText"):
                dialects.add("mysql")
            column.pg_type = db_type + ("[]" if column.pg_type.endswith("[]") else "")
            column.type_guessed = False
            column.stated.append("type")
        else:
            unread.append(attr)
    return unread


def _db_type(name: str, args: str) -> str | None:
    """The Postgres type of a native-type attribute: @db.VarChar(100) -> character varying(100)."""
    sized = {"VarChar": "character varying", "Char": "character", "Decimal": "numeric"}
    if name in sized and args:
        return f"{sized[name]}({args.replace(' ', '')})"
    return PRISMA_DB.get(name)


def _default(column: SpecColumn, value: str) -> None:
    if value == "autoincrement()":
        column.auto_increment = True
    elif value in ("now()",):
        column.default = "CURRENT_TIMESTAMP"
    elif value.endswith(")") and not value.startswith("dbgenerated"):
        column.app_default = value
    elif value.startswith("dbgenerated"):
        column.default = _const_str(value[len("dbgenerated(") : -1])
    else:
        column.default = _prisma_literal(value)
    column.stated.append("default")


def _const_str(text: str) -> str:
    return text.strip().strip('"')


def _prisma_literal(value: str) -> str:
    if value.startswith('"') and value.endswith('"'):
        return "'" + value[1:-1].replace("'", "''") + "'"
    if value in ("true", "false") or re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    return f"'{value}'"


def _prisma_block_attr(text: str, table: str, line: int, builder: SpecBuilder) -> None:
    kind = re.match(r"^@@(\w+)\((.*)\)\s*$", text)
    if not kind:
        return
    name, args = kind.groups()
    columns = _list_arg(args)
    if name == "unique":
        builder.constraints.append(
            SpecConstraint(table=table, kind="unique", columns=columns, line=line)
        )
    elif name == "index":
        builder.indexes.append(SpecIndex(table=table, columns=columns, line=line))
    elif name == "id":
        builder.constraints.append(
            SpecConstraint(table=table, kind="primary key", columns=columns, line=line)
        )
    elif name != "map":
        builder.warn(line, f"prisma @@{name} not read")
