"""Drizzle ORM table definitions in TypeScript fences: `pgTable("users", { … })` and `pgEnum`.

Drizzle is TypeScript, not SQL: calls are matched by their shape. Each property is a column
builder (`uuid("id").primaryKey().defaultRandom()`, `varchar("email", { length: 255 })`,
`.references(() => orgs.id, { onDelete: "cascade" })`); the optional second argument gives
indexes and composite keys (`index("x").on(t.a)`, `primaryKey({ columns: [t.a, t.b] })`).
Variables name tables in references, so `orgs.id` resolves to the table `orgs` was declared as.
"""

from __future__ import annotations

import re

from tools.naming import action_word
from tools.spec.builder import SpecBuilder
from tools.spec.model import Reference, SpecColumn, SpecEnum, SpecIndex
from tools.spec.readers.text import split_top
from tools.spec.typenames import pg_type_of

_TABLE = re.compile(
    r"(?:const|let|var)\s+(\w+)\s*=\s*(pg|mysql|sqlite)Table\(\s*[\"'`](\w+)[\"'`]\s*,\s*\{"
)
_ENUM = re.compile(
    r"(?:const|let|var)\s+(\w+)\s*=\s*(?:pg|mysql)Enum\(\s*[\"'`](\w+)[\"'`]\s*,\s*\[([^\]]*)\]"
)
_BUILDER = re.compile(r"^(\w+)\(\s*(?:[\"'`](\w+)[\"'`])?\s*,?\s*(\{[^}]*\})?\s*\)")
_METHOD = re.compile(r"\.(\w+)\(")
_TYPES = {
    "doublePrecision": "double precision",
    "int": "integer",
    "datetime": "timestamp without time zone",
    "blob": "bytea",
}


def _closing(text: str, start: int, open_char: str, close_char: str) -> int:
    depth = 1
    for index in range(start, len(text)):
        if text[index] == open_char:
            depth += 1
        elif text[index] == close_char:
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def _options(text: str | None) -> dict[str, str]:
    return dict(re.findall(r"(\w+)\s*:\s*([\w\"'.]+)", text or ""))


def _type(builder_name: str, options: dict[str, str], enums: dict[str, str]) -> tuple[str, bool]:
    """(Postgres type, auto increment) of a Drizzle column builder."""
    if builder_name in enums:
        return enums[builder_name], False
    if builder_name == "timestamp":
        zone = options.get("withTimezone") == "true"
        return f"timestamp {'with' if zone else 'without'} time zone", False
    if builder_name in _TYPES:
        return _TYPES[builder_name], False
    mods = [options[k] for k in ("length", "precision", "scale") if k in options]
    info = pg_type_of(builder_name, mods)
    return info.pg_type or "text", info.auto_increment


def _without_type_arguments(text: str) -> str:
    """The columns' code without `.$type<Record<string, unknown>>()` casts: their commas are
    TypeScript's, not the column list's (one pass, nesting counted)."""
    out: list[str] = []
    at = 0
    while (start := text.find(".$type<", at)) != -1:
        out.append(text[at:start])
        depth, index = 0, start + len(".$type")
        while index < len(text):
            depth += {"<": 1, ">": -1}.get(text[index], 0)
            index += 1
            if depth == 0:
                break
        if text.startswith("()", index):
            index += 2
        at = index
    out.append(text[at:])
    return "".join(out)


def read_drizzle(code: str, first_line: int, builder: SpecBuilder, future: bool) -> bool:
    """Read the Drizzle tables of a TypeScript block; False when it holds none."""
    enums = {}
    for match in _ENUM.finditer(code):
        values = [v.strip().strip("\"'`") for v in match.group(3).split(",") if v.strip()]
        enums[match.group(1)] = match.group(2)
        line = first_line + code.count("\n", 0, match.start())
        builder.enums[match.group(2)] = SpecEnum(name=match.group(2), values=values, line=line)
    tables = {m.group(1): m.group(3) for m in _TABLE.finditer(code)}
    for match in _TABLE.finditer(code):
        builder.dialects.add("drizzle")
        table = match.group(3)
        line = first_line + code.count("\n", 0, match.start())
        entity = builder.entity(table, line, "drizzle", future=future, defines=True)
        end = _closing(code, match.end(), "{", "}")
        offset = match.end()
        keys: dict[str, str] = {}
        region = _without_type_arguments(code[offset:end])
        part_line, cursor = first_line + code.count("\n", 0, offset), 0
        for part in split_top(region):
            found = max(region.find(part, cursor), cursor)
            part_line += region.count("\n", cursor, found)  # counted once, part by part
            cursor = found
            key, _, expression = part.partition(":")
            column = _column(expression.strip(), key.strip(), part_line, enums, tables)
            if column is None:
                builder.warn(part_line, f"drizzle column of {table} not read")
                continue
            keys[key.strip()] = column.name
            builder.add_column(entity, column, "drizzle")
        call_end = _closing(code, code.index("(", match.start(2)) + 1, "(", ")")
        _extras(code[end + 1 : call_end], table, keys, line, builder, future)
    return bool(tables)


def _column(
    expression: str, key: str, line: int, enums: dict[str, str], tables: dict[str, str]
) -> SpecColumn | None:
    head = _BUILDER.match(expression)
    if head is None:
        return None
    options = _options(head.group(3))
    pg_type, auto = _type(head.group(1), options, enums)
    column = SpecColumn(
        name=head.group(2) or key,
        type=expression.split(")")[0] + ")",
        pg_type=pg_type,
        line=line,
        stated=["type", "nullable"],
        auto_increment=auto,
    )
    if head.group(1) in enums:
        column.enum_name = pg_type
    rest = expression[head.end() :]
    for method in _METHOD.finditer(rest):
        name = method.group(1)
        args = rest[method.end() : _closing(rest, method.end(), "(", ")")]
        if name == "primaryKey":
            column.primary_key, column.nullable = True, False
        elif name == "notNull":
            column.nullable = False
        elif name == "unique":
            column.unique = True
        elif name == "defaultNow":
            column.default = "now()"
        elif name == "defaultRandom":
            column.default = "gen_random_uuid()"
        elif name == "default":
            value = args.strip()
            if value[:1] in "{[":  # a JSON value: `.default({})` is '{}' as text
                value = "'" + value.replace("'", "''") + "'"
            column.default = "'" + value.strip("\"'`") + "'" if value[:1] in '"`' else value
        elif name == "array":
            column.pg_type += "[]"
        elif name == "references":
            target = re.search(r"=>\s*(\w+)\.(\w+)", args)
            on_delete = re.search(r"onDelete\s*:\s*[\"'`]([\w ]+)[\"'`]", args)
            if target:
                column.references = Reference(
                    table=tables.get(target.group(1), target.group(1)),
                    column=target.group(2),
                    on_delete=action_word(on_delete.group(1)) if on_delete else None,
                )
                column.stated.append("references")
    if column.primary_key:
        column.stated.append("primary_key")
    return column


def _extras(
    text: str, table: str, keys: dict[str, str], line: int, builder: SpecBuilder, future: bool
) -> None:
    """Indexes and composite keys of the table's second argument."""
    for match in re.finditer(
        r"(uniqueIndex|index|primaryKey|unique)\(\s*(?:[\"'`](\w+)[\"'`])?[^)]*\)(?:\.on\(([^)]*)\))?",
        text,
    ):
        kind, name, on = match.groups()
        fields = re.findall(r"\w+\.(\w+)", on or match.group(0))
        columns = [keys.get(f, f) for f in fields]
        if not columns:
            continue
        if kind in ("index", "uniqueIndex"):
            builder.indexes.append(
                SpecIndex(
                    table=table,
                    columns=columns,
                    name=name,
                    unique=kind == "uniqueIndex",
                    future=future,
                    line=line,
                )
            )
        else:
            entity = builder.entity(table, line, "drizzle", future=future)
            builder.key(entity, "primary key" if kind == "primaryKey" else "unique", columns, line)
