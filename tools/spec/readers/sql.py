"""SQL blocks of a spec, read with pglast: CREATE TABLE/INDEX/TYPE/POLICY and ALTER TABLE.

MySQL and SQLite flavours (`AUTO_INCREMENT`, `AUTOINCREMENT`, backquoted names, `ENUM('a','b')`,
`ON UPDATE CURRENT_TIMESTAMP`, `ENGINE=…`) are rewritten at the token level (pglast's scanner,
never a regex over SQL) before parsing, and the dialect is recorded. Statements pglast cannot
read become warnings with their line; DML (sample INSERT/SELECT) is skipped on purpose.
"""

from __future__ import annotations

import re
from typing import Any

from pglast import ast, enums
from pglast.parser import split
from pglast.stream import RawStream

from tools.errors import Unsupported
from tools.naming import FK_ACTIONS, TYPE_ALIASES
from tools.query_parser import ParseFailed, parse_sql
from tools.spec.builder import SpecBuilder
from tools.spec.model import (
    Entity,
    Reference,
    SpecColumn,
    SpecConstraint,
    SpecEnum,
    SpecIndex,
    SpecPolicy,
)
from tools.spec.readers.sql_batch import parse_batches
from tools.spec.readers.sql_dialects import rewrite
from tools.spec.readers.sql_objects import (
    read_function,
    read_trigger,
    read_unparsed_object,
    read_view,
)
from tools.spec.readers.text import closing, marks
from tools.spec.typenames import pg_type_of

_MYSQL_TYPES = {"datetime", "tinyint", "mediumint", "longtext", "mediumtext", "tinytext", "double"}
_DML = (ast.InsertStmt, ast.SelectStmt, ast.UpdateStmt, ast.DeleteStmt, ast.TransactionStmt)
_DML_START = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(SELECT|INSERT|UPDATE|DELETE|WITH|EXPLAIN|VALUES)\b", re.I
)
_CREATE_TABLE = re.compile(
    r"(?is)^\s*(?:--[^\n]*\n\s*)*CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP(?:ORARY)?\s+|UNLOGGED\s+)?"
    r"TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"`]{1,200})\s*\("
)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
# Words people write in SQL that Postgres does not have (`streak DATE NULLABLE`).
_LOOSE_WORDS = (
    (re.compile(r"(?i)\b(?:nullable|optional)\b"), "NULL"),
    (re.compile(r"(?i)\brequired\b"), "NOT NULL"),
)
_OBJECTS = {"VIEW", "FUNCTION", "TRIGGER", "EXTENSION", "SCHEMA", "SEQUENCE", "GRANT", "REVOKE"}


def deparse(node: Any) -> str:
    """SQL text of an expression node (constants and now() without the printer: it is slow)."""
    if isinstance(node, ast.A_Const):
        if node.isnull:
            return "NULL"
        value = node.val
        if isinstance(value, ast.String):
            return "'" + value.sval.replace("'", "''") + "'"
        if isinstance(value, ast.Boolean):
            return "true" if value.boolval else "false"
        if isinstance(value, ast.Integer):
            return str(value.ival)
        if isinstance(value, ast.Float):
            return str(value.fval)
    if isinstance(node, ast.FuncCall) and not node.args and not node.agg_star:
        return ".".join(n.sval for n in node.funcname) + "()"
    if isinstance(node, ast.SQLValueFunction):
        return node.op.name.removeprefix("SVFOP_")
    return RawStream()(node)


def sql_type(type_name: ast.TypeName) -> tuple[str, str, bool]:
    """(format_type spelling, words as written, auto increment) of a pglast TypeName."""
    names = [n.sval for n in type_name.names]
    name = names[-1].lower()
    mods = []
    for mod in type_name.typmods or ():
        if isinstance(mod, ast.A_Const) and mod.val is not None:
            mods.append(str(getattr(mod.val, "ival", getattr(mod.val, "sval", ""))))
    array = bool(type_name.arrayBounds)
    # pglast spells built-in types pg_catalog.int4, pg_catalog.varchar…: format_type's names.
    if names[0] == "pg_catalog" or name in ("varchar", "bpchar", "numeric"):
        base = TYPE_ALIASES.get(name, name)
        if mods and name in ("varchar", "bpchar", "numeric", "bit", "varbit"):
            base = f"{base}({','.join(mods)})"
        elif mods and name in ("timestamp", "timestamptz", "time", "timetz"):
            head, _, tail = base.partition(" ")
            base = f"{head}({mods[0]}) {tail}"
        elif name == "bpchar" and not mods:
            base = "character(1)"
        words = name + (f"({','.join(mods)})" if mods else "")
        return base + ("[]" if array else ""), words, False
    if name in ("datetime",):
        return "timestamp without time zone" + ("[]" if array else ""), name, False
    if name == "json" and len(names) == 1:
        return "json" + ("[]" if array else ""), name, False
    info = pg_type_of(name, mods, array)
    words = name + (f"({','.join(mods)})" if mods else "") + ("[]" if array else "")
    return info.pg_type or words, words, info.auto_increment


def _line(block_start: int, text: str, location: int | None) -> int:
    """1-based spec line of a character offset inside a block that starts at block_start."""
    if location is None or location < 0:
        return block_start
    return block_start + text.count("\n", 0, location)


def read_sql(code: str, first_line: int, builder: SpecBuilder, *, future: bool = False) -> None:
    """Read one SQL block (first_line = spec line of its first code line)."""
    try:
        statements = split(code, with_parser=False)
    except Exception as error:  # the scanner found no statement boundary it could trust
        builder.warn(first_line, f"sql block not read: {error}")
        return
    builder.dialects.add("postgresql")
    statements = list(statements)
    # The scanner drops an unterminated last statement (`CREATE TABLE x (a int;`): read it too.
    end = code.rfind(statements[-1]) + len(statements[-1]) if statements else 0
    tail = code[max(end, 0) :]
    if _COMMENT.sub("", tail).strip(" \t\n;"):
        statements += [p for p in re.split(r";[ \t]*\n", tail) if _COMMENT.sub("", p).strip()]
    located = _located(code, statements, first_line)
    batches = parse_batches([statement for statement, _ in located])
    for (statement, line), found in zip(located, batches, strict=True):
        if found is not None:
            raws, text, offset = found
            for raw in raws:
                _statement(raw.stmt, text, line, builder, future, offset)
        else:
            _read_alone(statement, line, builder, future)


def _located(code: str, statements: list[str], first_line: int) -> list[tuple[str, int]]:
    """(statement, spec line) of each statement to read; sample queries (DML) left out."""
    located = []
    offset, counted, newlines = 0, 0, 0  # newlines before `counted`: not recounted from 0 (#13)
    for statement in statements:
        start = code.find(statement, offset)
        offset = start + len(statement) if start >= 0 else offset
        begins = start + len(statement) - len(statement.lstrip())
        if begins >= counted:
            newlines += code.count("\n", counted, begins)
            counted = begins
            line = first_line + newlines
        else:
            line = _line(first_line, code, begins)
        if not _DML_START.match(statement):  # sample queries: parsing them only costs time
            located.append((statement, line))
    return located


def _read_alone(statement: str, line: int, builder: SpecBuilder, future: bool) -> None:
    """One statement, parsed on its own: rewritten from MySQL/SQLite, recovered, or warned."""
    text, dialects = statement, set[str]()
    # Spec SQL is untrusted: parsed within the limits, in the parser's worker process (#13).
    try:
        try:
            parsed = parse_sql(text)
        except ParseFailed:
            text, dialects = rewrite(statement)
            parsed = parse_sql(text)
    except ParseFailed as error:
        if read_unparsed_object(statement, line, builder):
            return  # a MySQL-style routine: a function, trigger or view, not a table
        if not _recover_table(statement, line, builder, future):
            builder.warn(line, f"sql statement not read ({_reason(error)})")
        return
    except Unsupported as error:
        builder.warn(line, f"sql statement not read: {error}")
        return
    builder.dialects.update(dialects)
    for raw in parsed:
        _statement(raw.stmt, text, line, builder, future)


def _reason(error: ParseFailed) -> str:
    return re.sub(r",? at (index|location) \d+.*$", "", error.reason, flags=re.S)


def _parse_loosely(statement: str) -> tuple[Any, str, set[str]] | None:
    """pglast's tree of a statement, after the dialect rewrite and loose words if need be."""
    rewritten, dialects = rewrite(statement)
    loose = rewritten
    for pattern, word in _LOOSE_WORDS:
        loose = pattern.sub(word, loose)
    for text, seen in ((statement, set()), (rewritten, dialects), (loose, dialects)):
        try:
            return parse_sql(text), text, seen
        except Unsupported:
            continue
    return None


def _recover_table(statement: str, line: int, builder: SpecBuilder, future: bool) -> bool:
    """A CREATE TABLE pglast refuses as a whole (`streak DATE NULLABLE`), read element by element.

    One unknown word then costs its column (warned), not the whole table.
    """
    head = _CREATE_TABLE.match(statement)
    if head is None:
        return False
    # Comments blanked, offsets kept: `role text, -- user, admin` has no third element.
    statement = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), statement)
    name, start = head.group(1), head.end()
    end = closing(statement, start)
    if end == len(statement):
        builder.warn(line, f"{name}: the column list is not closed; read up to the end")
    cuts = [
        i
        for i, depth in marks(statement[:end], start, extra=",")
        if statement[i] == "," and not depth
    ]
    read = False
    for first, last in zip([start - 1, *cuts], [*cuts, end], strict=True):
        element = statement[first + 1 : last]
        at = first + 1 + len(element) - len(element.lstrip())
        element_line = _line(line, statement, at)
        if not element.strip():
            builder.warn(element_line, f"{name}: empty definition between two commas")
            continue
        parsed = _parse_loosely(f"CREATE TABLE {name} ({element.strip()})")
        if parsed is None:
            builder.warn(element_line, f"{name.strip(chr(34))}: definition not read")
            continue
        tree, text, dialects = parsed
        builder.dialects.update(dialects)
        loose = [m.group() for p, _ in _LOOSE_WORDS for m in p.finditer(element)]
        if loose and text.endswith(f"({element.strip()})") is False:
            words = ", ".join(sorted(set(loose)))
            builder.warn(element_line, f"{name}: {words} is not SQL; read as NULL / NOT NULL")
        for raw in tree:
            _statement(raw.stmt, text, element_line, builder, future)
        read = True
    return read


def _statement(
    stmt: Any, text: str, line: int, builder: SpecBuilder, future: bool, offset: int = 0
) -> None:
    """One parsed statement, which starts at `offset` of `text` (a batch) on spec line `line`."""

    last = [offset, line]  # the last location asked and its line: counted on from there (#13)

    def at(location: int | None) -> int:
        if location is None or location < offset:
            return line
        start, known = last if location >= last[0] else (offset, line)
        last[:] = location, known + text.count("\n", start, location)
        return last[1]

    if isinstance(stmt, ast.CreateStmt):
        _create_table(stmt, text, at, builder, future)
    elif isinstance(stmt, ast.IndexStmt):
        builder.indexes.append(index_of(stmt, line, future))
    elif isinstance(stmt, ast.AlterTableStmt):
        _alter_table(stmt, text, at, builder, future)
    elif isinstance(stmt, ast.CreateEnumStmt):
        name = stmt.typeName[-1].sval
        builder.enums[name] = SpecEnum(
            name=name, values=[v.sval for v in stmt.vals or ()], line=line
        )
    elif isinstance(stmt, ast.CreatePolicyStmt):
        builder.policies.append(
            SpecPolicy(
                table=stmt.table.relname,
                name=stmt.policy_name,
                command=(stmt.cmd_name or "all").upper(),
                using=deparse(stmt.qual) if stmt.qual is not None else None,
                with_check=deparse(stmt.with_check) if stmt.with_check is not None else None,
                line=line,
            )
        )
    elif isinstance(stmt, ast.CreateFunctionStmt):
        read_function(stmt, line, builder)
    elif isinstance(stmt, ast.CreateTrigStmt):
        read_trigger(stmt, line, builder)
    elif isinstance(stmt, (ast.ViewStmt, ast.CreateTableAsStmt)):
        if not read_view(stmt, line, builder):
            builder.warn(line, "CREATE TABLE AS: its columns are not stated; not read")
    elif (
        isinstance(stmt, _DML)
        or type(stmt).__name__.upper().removesuffix("STMT").removeprefix("CREATE") in _OBJECTS
        or isinstance(
            stmt,
            (
                ast.CreateExtensionStmt,
                ast.CreateSchemaStmt,
                ast.GrantStmt,
                ast.CommentStmt,
                ast.CreateSeqStmt,
                ast.DropStmt,
                ast.DoStmt,
                ast.VariableSetStmt,
            ),
        )
    ):
        return
    else:
        builder.warn(line, f"sql statement {type(stmt).__name__} not used")


def index_of(stmt: ast.IndexStmt, line: int, future: bool) -> SpecIndex:
    """The index a parsed CREATE INDEX states."""
    columns = []
    for element in stmt.indexParams:
        if element.name:
            columns.append(element.name)
        elif element.expr is not None:
            columns.append(f"({deparse(element.expr)})")
    return SpecIndex(
        table=stmt.relation.relname,
        columns=columns,
        name=stmt.idxname,
        unique=bool(stmt.unique),
        method=stmt.accessMethod or "btree",
        where=deparse(stmt.whereClause) if stmt.whereClause is not None else None,
        future=future,
        line=line,
    )


def _create_table(
    stmt: ast.CreateStmt, text: str, at: Any, builder: SpecBuilder, future: bool
) -> None:
    name = stmt.relation.relname
    entity = builder.entity(name, at(stmt.relation.location), "sql", future=future, defines=True)
    for element in stmt.tableElts or ():
        if isinstance(element, ast.ColumnDef):
            builder.add_column(entity, _column(element, name, text, at), "sql")
        elif isinstance(element, ast.Constraint):
            table_constraint(element, entity, at(element.location), builder)


def _column(column: ast.ColumnDef, table: str, text: str, at: Any) -> SpecColumn:
    pg_type, words, auto = sql_type(column.typeName)
    location = column.location
    spec = SpecColumn(
        name=column.colname,
        type=words,
        pg_type=pg_type,
        line=at(location),
        stated=["type", "nullable", "default"],
    )
    first = text[location : location + 400].split("\n", 1)[0] if location is not None else ""
    if column.typeName.names[-1].sval.lower() == "enum":
        spec.pg_type = "text"
        spec.enum_values = [
            m.val.sval
            for m in column.typeName.typmods or ()
            if isinstance(m, ast.A_Const) and isinstance(m.val, ast.String)
        ]
        spec.dialects.add("mysql")
    elif "/*enum:" in first:
        values = first.split("/*enum:", 1)[1].split("*/", 1)[0]
        spec.enum_values = [v.strip().strip("'\"") for v in values.split(",") if v.strip()]
    if auto or "/*auto*/" in first:
        spec.auto_increment = True
    for constraint in column.constraints or ():
        kind = constraint.contype
        if kind == enums.ConstrType.CONSTR_NOTNULL:
            spec.nullable = False
        elif kind == enums.ConstrType.CONSTR_NULL:
            spec.nullable = True
        elif kind == enums.ConstrType.CONSTR_PRIMARY:
            spec.primary_key, spec.nullable = True, False
            spec.stated.append("primary_key")
        elif kind == enums.ConstrType.CONSTR_UNIQUE:
            spec.unique = True
            spec.stated.append("unique")
        elif kind == enums.ConstrType.CONSTR_DEFAULT:
            spec.default = deparse(constraint.raw_expr)
        elif kind == enums.ConstrType.CONSTR_CHECK:
            spec.check = deparse(constraint.raw_expr)
        elif kind == enums.ConstrType.CONSTR_IDENTITY:
            spec.auto_increment = True
            spec.identity = "always" if constraint.generated_when == "a" else "by default"
        elif kind == enums.ConstrType.CONSTR_FOREIGN:
            spec.references = _reference(constraint)
            spec.stated.append("references")
    return spec


def _reference(constraint: ast.Constraint) -> Reference:
    columns = [a.sval for a in constraint.pk_attrs or ()]
    action = FK_ACTIONS.get(constraint.fk_del_action or "a", "NO ACTION")
    return Reference(
        table=constraint.pktable.relname,
        column=columns[0] if columns else None,
        on_delete=None if constraint.fk_del_action in (None, "a") else action,
    )


def table_constraint(
    constraint: ast.Constraint, entity: Entity, line: int, builder: SpecBuilder
) -> None:
    """A PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY of a table, onto its entity."""
    kind = constraint.contype
    keys = [k.sval for k in constraint.keys or ()]
    if kind in (enums.ConstrType.CONSTR_PRIMARY, enums.ConstrType.CONSTR_UNIQUE):
        word = "primary key" if kind == enums.ConstrType.CONSTR_PRIMARY else "unique"
        builder.key(entity, word, keys, line, constraint.conname)
    elif kind == enums.ConstrType.CONSTR_CHECK:
        builder.constraints.append(
            SpecConstraint(
                table=entity.name,
                kind="check",
                name=constraint.conname,
                expression=deparse(constraint.raw_expr),
                line=line,
            )
        )
    elif kind == enums.ConstrType.CONSTR_FOREIGN:
        columns = [a.sval for a in constraint.fk_attrs or ()]
        reference = _reference(constraint)
        if len(columns) == 1 and entity.column(columns[0]) is not None:
            column = entity.column(columns[0])
            assert column is not None
            column.references = reference
            column.stated = sorted(set(column.stated) | {"references"})
        else:
            builder.constraints.append(
                SpecConstraint(
                    table=entity.name,
                    kind="foreign key",
                    columns=columns,
                    name=constraint.conname,
                    references=reference,
                    ref_columns=[a.sval for a in constraint.pk_attrs or ()],
                    line=line,
                )
            )


def _alter_table(
    stmt: ast.AlterTableStmt, text: str, at: Any, builder: SpecBuilder, future: bool
) -> None:
    name = stmt.relation.relname
    line = at(stmt.relation.location)
    for command in stmt.cmds or ():
        subtype = command.subtype
        if subtype == enums.AlterTableType.AT_AddColumn:
            entity = builder.entity(name, line, "sql", future=future)
            builder.add_column(entity, _column(command.def_, name, text, at), "sql")
        elif subtype == enums.AlterTableType.AT_AddConstraint:
            entity = builder.entity(name, line, "sql", future=future)
            table_constraint(command.def_, entity, at(command.def_.location), builder)
        elif (
            subtype == enums.AlterTableType.AT_EnableRowSecurity
            or subtype == enums.AlterTableType.AT_ForceRowSecurity
        ):
            builder.entity(name, line, "sql", future=future).rls_enabled = True
        else:
            builder.warn(line, f"alter table {name}: {subtype.name.lower()} not used")
