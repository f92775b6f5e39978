"""SQL written as a list item: `PRIMARY KEY (id)`, `UNIQUE INDEX idx ON users(email)`,
`FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`, `` `name`: INDEX (a, b) ``.

Specs list a table's keys and indexes as SQL fragments under an Indexes, Constraints or Foreign
keys heading. Each fragment is completed into a statement (`CREATE INDEX … ON <table> …`,
`ALTER TABLE <table> ADD …`), parsed by pglast within the parser's limits, and read by the SQL
reader's own code: no second grammar. A fragment naming a column its table does not have
(`INDEX (expression)`) is not read, so the caller warns about it.
"""

from __future__ import annotations

import re
from typing import Any

from pglast import ast, enums

from tools.errors import Unsupported
from tools.query_parser import parse_sql
from tools.spec.builder import SpecBuilder
from tools.spec.model import Entity
from tools.spec.readers.sql import index_of, table_constraint

MAX_FRAGMENT_CHARS = 2_000
# A leading code span, then what follows it: `UNIQUE INDEX x ON t(a)` - why, or `name`: INDEX (a)
_CODE = re.compile(r"^\s*`(?P<code>[^`]+)`(?P<rest>.*)$", re.S)
_NAMED = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*[:\uff1a]\s*`?(?P<sql>[^`]*)`?", re.S)
_WHY = re.compile(r"\)\s+[-\u2013\u2014]\s.*$", re.S)  # `UNIQUE (a, b) - one per user`
_INDEX = re.compile(r"(?i)^(?:create\s+)?(?P<unique>unique\s+)?index\b\s*(?P<rest>.*)$", re.S)
_ON = re.compile(r"(?i)\bon\s+[\"\w]")
_BARE = re.compile(r"(?i)^(?P<name>[A-Za-z_]\w*\s+)?(?P<using>using\s+\w+\s*)?\(.*\)\s*$", re.S)
_CONSTRAINT = re.compile(
    r"(?i)^(?:constraint\s+\w+\s+)?(?:primary\s+key|unique|foreign\s+key|check)\s*\("
)


def quoted(name: str) -> str:
    """A Postgres identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def is_constraint(text: str) -> bool:
    """The text is one table constraint alone: `CONSTRAINT fk FOREIGN KEY (a) REFERENCES …`."""
    return len(text) <= MAX_FRAGMENT_CHARS and bool(_CONSTRAINT.match(text.strip()))


def fragment_sql(content: str, table: str | None) -> str | None:
    """The statement a list item's SQL fragment stands for, or None when it is not one."""
    if len(content) > MAX_FRAGMENT_CHARS:
        return None  # a fragment is one key or index: a long item is prose (or hostile)
    code = _CODE.match(content)
    text = code.group("code") if code else content
    name = None
    named = _NAMED.match(code.group("code") + code.group("rest") if code else content)
    if named and (_INDEX.match(named.group("sql")) or _CONSTRAINT.match(named.group("sql"))):
        name, text = named.group("name"), named.group("sql")
    text = _WHY.sub(")", text.strip()).rstrip(";").strip()
    if not text:
        return None
    index = _INDEX.match(text)
    if index:
        unique, rest = "UNIQUE " if index.group("unique") else "", index.group("rest")
        if _ON.search(rest):
            return f"CREATE {unique}INDEX {rest}"
        bare = _BARE.match(rest)
        if bare is None or table is None:
            return None
        own = bare.group("name") or (quoted(name) + " " if name else "")
        body = rest[len(bare.group("name") or "") :]
        return f"CREATE {unique}INDEX {own}ON {quoted(table)} {body}"
    if _CONSTRAINT.match(text) and table is not None:
        named_as = f"CONSTRAINT {quoted(name)} " if name else ""
        return f"ALTER TABLE {quoted(table)} ADD {named_as}{text}"
    return None


def _columns(stmt: Any) -> list[str]:
    """The plain column names a parsed fragment uses on its own table."""
    if isinstance(stmt, ast.IndexStmt):
        return [element.name for element in stmt.indexParams if element.name]
    constraint = stmt.cmds[0].def_
    names = [k.sval for k in constraint.keys or ()] + [a.sval for a in constraint.fk_attrs or ()]
    return names


def _parsed(sql: str) -> Any | None:
    """The one statement of `sql`, when it is a CREATE INDEX or ALTER TABLE … ADD constraint."""
    try:
        statements = parse_sql(sql)
    except Unsupported:
        return None
    if len(statements) != 1:
        return None
    stmt = statements[0].stmt
    if isinstance(stmt, ast.IndexStmt):
        return stmt
    if (
        isinstance(stmt, ast.AlterTableStmt)
        and len(stmt.cmds or ()) == 1
        and stmt.cmds[0].subtype == enums.AlterTableType.AT_AddConstraint
    ):
        return stmt
    return None


def read_fragment(
    sql: str, line: int, entity: Entity | None, builder: SpecBuilder, future: bool
) -> bool:
    """Read the statement `fragment_sql` made of a list item; False when it is no key,
    constraint or index.

    `entity` is the table the item is listed under: the table of a fragment that names none.
    """
    stmt = _parsed(sql)
    if stmt is None:
        return False
    target = stmt.relation.relname
    table = entity if entity is not None and target == entity.name else None
    known = builder.tables.get((target, future))
    owner = table or (known.entity if known else None)
    columns = _columns(stmt)
    if owner is not None and owner.columns and any(owner.column(c) is None for c in columns):
        return False
    if isinstance(stmt, ast.IndexStmt):
        builder.indexes.append(index_of(stmt, line, future))
    elif owner is not None:
        table_constraint(stmt.cmds[0].def_, owner, line, builder)
    else:
        return False
    builder.ledger.mark(line)
    return True
