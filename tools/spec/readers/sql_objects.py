"""SQL objects that are not tables: functions, triggers and views, into their own lists.

`CREATE FUNCTION … RETURNS TABLE (…)`, `CREATE TRIGGER … EXECUTE FUNCTION …` and
`CREATE [MATERIALIZED] VIEW` are read from pglast's tree. `read_unparsed_object` recognises the
same statements when pglast cannot read them (MySQL/SQLite routine bodies with `BEGIN … NEW.x …
END` that the statement splitter cut at their semicolons): their fragments are neither tables
nor noise.
"""

from __future__ import annotations

import re
from typing import Any

from pglast import ast, enums

from tools.naming import TYPE_ALIASES
from tools.spec.builder import SpecBuilder

_TABLE_MODE = enums.FunctionParameterMode.FUNC_PARAM_TABLE
_OUT_MODES = {_TABLE_MODE, enums.FunctionParameterMode.FUNC_PARAM_OUT}
# pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h)
_BEFORE, _INSTEAD = 1 << 1, 1 << 6
_EVENTS = ((1 << 2, "INSERT"), (1 << 4, "UPDATE"), (1 << 3, "DELETE"), (1 << 5, "TRUNCATE"))
_UNPARSED = re.compile(
    r"(?is)^\s*(?:--[^\n]*\n\s*)*CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?:(?P<mat>MATERIALIZED\s+)?(?P<view>VIEW)|(?P<fn>FUNCTION|PROCEDURE)|(?P<trg>TRIGGER))"
    r"\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w.\"`]{1,200})"
)
_TRIGGER_ON = re.compile(
    r"(?is)\b(BEFORE|AFTER|INSTEAD\s+OF)\s+([\w\s,]{1,80}?)\s+ON\s+([\w.\"`]{1,200})"
)
# Fragments of a routine body cut at its semicolons: `SET NEW.x = …`, `END`, `RETURN NEW`.
_BODY = re.compile(
    r"(?is)^\s*(?:END\b|RETURN\b|SET\s+NEW\.|NEW\.|IF\b|ELSE|ELSIF|BEGIN\b|DECLARE\b|\$\$)"
)


def type_text(type_name: ast.TypeName | None) -> str:
    """A TypeName as written in format_type's words (`pg_catalog.int4` -> integer)."""
    if type_name is None:
        return ""
    names = [n.sval for n in type_name.names]
    name = TYPE_ALIASES.get(names[-1], names[-1]) if names[0] == "pg_catalog" else names[-1]
    return ("SETOF " if type_name.setof else "") + name + ("[]" if type_name.arrayBounds else "")


def read_function(stmt: ast.CreateFunctionStmt, line: int, builder: SpecBuilder) -> None:
    """CREATE FUNCTION / PROCEDURE: name, arguments, what it returns, its language."""
    name = stmt.funcname[-1].sval
    params = list(stmt.parameters or ())
    table = [p for p in params if p.mode == _TABLE_MODE]
    returns = (
        "TABLE (" + ", ".join(f"{p.name} {type_text(p.argType)}" for p in table) + ")"
        if table
        else type_text(stmt.returnType) or None
    )
    language = next((o.arg.sval for o in stmt.options or () if o.defname == "language"), None)
    builder.add_object(
        "function",
        name,
        line,
        arguments=[
            f"{p.name or ''} {type_text(p.argType)}".strip()
            for p in params
            if p.mode not in _OUT_MODES
        ],
        returns=returns,
        language=language,
    )


def read_trigger(stmt: ast.CreateTrigStmt, line: int, builder: SpecBuilder) -> None:
    """CREATE TRIGGER: the table it fires on, when, on what, and the function it runs."""
    timing = (
        "BEFORE" if stmt.timing & _BEFORE else "INSTEAD OF" if stmt.timing & _INSTEAD else "AFTER"
    )
    builder.add_object(
        "trigger",
        stmt.trigname,
        line,
        table=stmt.relation.relname,
        function=stmt.funcname[-1].sval,
        timing=timing,
        events=[word for bit, word in _EVENTS if stmt.events & bit],
    )


def _output_names(query: Any) -> list[str]:
    names = []
    for target in getattr(query, "targetList", None) or ():
        if target.name:
            names.append(target.name)
        elif isinstance(target.val, ast.ColumnRef) and isinstance(
            target.val.fields[-1], ast.String
        ):
            names.append(target.val.fields[-1].sval)
    return names


def read_view(stmt: ast.ViewStmt | ast.CreateTableAsStmt, line: int, builder: SpecBuilder) -> bool:
    """CREATE VIEW / MATERIALIZED VIEW (False for a CREATE TABLE AS, which is a table)."""
    if isinstance(stmt, ast.ViewStmt):
        name, materialized = stmt.view.relname, False
        columns = [a.sval for a in stmt.aliases or ()] or _output_names(stmt.query)
    elif stmt.objtype == enums.ObjectType.OBJECT_MATVIEW:
        name, materialized = stmt.into.rel.relname, True
        columns = [c.sval for c in stmt.into.colNames or ()] or _output_names(stmt.query)
    else:
        return False
    builder.add_object("view", name, line, materialized=materialized, columns=columns)
    return True


def read_unparsed_object(statement: str, line: int, builder: SpecBuilder) -> bool:
    """A function, trigger or view pglast could not read, or a fragment of its body."""
    found = _UNPARSED.match(statement[:4000])
    if found is None:
        return bool(_BODY.match(statement[:200]))
    name = found.group("name").strip('"`').split(".")[-1]
    if found.group("view"):
        builder.add_object("view", name, line, materialized=bool(found.group("mat")))
    elif found.group("fn"):
        builder.add_object("function", name, line)
    else:
        on = _TRIGGER_ON.search(statement[:4000])
        facts: dict[str, Any] = {}
        if on:
            facts = {
                "timing": " ".join(on.group(1).upper().split()),
                "events": [
                    e.strip().upper()
                    for e in re.split(r",|\bOR\b", on.group(2), flags=re.I)
                    if e.strip()
                ],
                "table": on.group(3).strip('"`').split(".")[-1],
            }
        builder.add_object("trigger", name, line, **facts)
    builder.warn(line, f"{name}: body not read (not PostgreSQL syntax); kept as a {_kind(found)}")
    return True


def _kind(found: re.Match[str]) -> str:
    if found.group("view"):
        return "view"
    return "function" if found.group("fn") else "trigger"
