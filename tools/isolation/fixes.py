"""The fix script, and the DDL pieces every fix is written with.

Fixes converge: each statement is idempotent where Postgres allows (IF NOT EXISTS, DO blocks
that add a constraint or a role only when missing), a foreign key keeps what a DELETE does
(NO ACTION is written as RESTRICT, and CASCADE / SET NULL are named as the alternatives with
the tables they would reach), and `build_fix_script` orders the fixes by their rule's fix phase
and writes a statement two fixes share (a UNIQUE (org_id, id) that several foreign keys need)
once, before its first use.
"""

from __future__ import annotations

import re

import pglast

from tools.catalog.models import ForeignKey, Table
from tools.findings import Finding
from tools.indexes.models import IndexSpec
from tools.isolation.classify import Context, ddl_name
from tools.isolation.rules import RULES
from tools.naming import default_name, literal, quote_ident, quote_list

# Findings whose fix rewrites the whole policy (and so already wraps its session calls).
POLICY_REPLACEMENTS = {"ISO006", "ISO007", "ISO008", "ISO010", "ISO011"}
SHOWN_TABLES = 5  # tables named in a reach before "…"


def do_block(body: str) -> str:
    """A DO block around PL/pgSQL `body`, dollar-quoted with a tag the body does not contain."""
    tag = "fix"
    while f"${tag}$" in body:
        tag += "_"
    return f"DO ${tag}$\nBEGIN\n{body}\nEND\n${tag}$;"


def add_constraint_once(table: Table, name: str, definition: str) -> str:
    """ALTER TABLE … ADD CONSTRAINT, run only while no constraint of that name exists."""
    exists = (
        f"SELECT FROM pg_constraint WHERE conrelid = {literal(ddl_name(table))}::regclass "
        f"AND conname = {literal(name)}"
    )
    return do_block(
        f"  IF NOT EXISTS ({exists}) THEN\n"
        f"    ALTER TABLE {ddl_name(table)} ADD CONSTRAINT {quote_ident(name)} {definition};\n"
        "  END IF;"
    )


def create_role_once(role: str, options: str) -> str:
    """CREATE ROLE, run only while the role does not exist (roles have no IF NOT EXISTS)."""
    return do_block(
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(role)}) THEN\n"
        f"    CREATE ROLE {quote_ident(role)} {options};\n"
        "  END IF;"
    )


def index_leads_with(table: Table, columns: list[str]) -> bool:
    """Whether some valid index starts with exactly these columns (in any order)."""
    wanted = set(columns)
    for index in table.indexes:
        lead = [key.column for key in index.keys[: len(columns)]]
        if index.valid and not index.predicate and set(lead) == wanted:
            return True
    return False


def create_index(ctx: Context, table: Table, columns: list[str]) -> str:
    """CREATE INDEX CONCURRENTLY IF NOT EXISTS on the columns, named as suggest_indexes names
    the same index (`ix_<table>_<columns>`), so applying both tools' advice builds it once (#11);
    empty when an index already leads with them."""
    if index_leads_with(table, columns):
        return ""
    name = IndexSpec(schema_name=table.schema_name, table=table.name, columns=tuple(columns)).name()
    if name in ctx.relation_names():
        name = _fresh_name(ctx, table, columns, "index")
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(name)} ON {ddl_name(table)} "
        f"({quote_list(columns)});"
    )


def constraint_name(ctx: Context, table: Table, columns: list[str], kind: str) -> str:
    """The name Postgres would give a new unnamed constraint of `kind` on the columns."""
    own = {c.name for c in table.foreign_keys}
    own |= {c.name for c in table.unique_constraints}
    own |= {c.name for c in table.check_constraints}
    return _fresh_name(ctx, table, columns, kind, own)


def _fresh_name(
    ctx: Context, table: Table, columns: list[str], kind: str, own: set[str] | None = None
) -> str:
    """default_name(), numbered past the names taken; the schema's names are passed only when
    the plain name is taken (default_name copies what it is given, once per fix otherwise)."""
    name = default_name(table.name, columns, kind)
    if name in ctx.relation_names() or name in (own or set()):
        name = default_name(table.name, columns, kind, ctx.relation_names() | (own or set()))
    return name


def fk_clause(
    fk: ForeignKey | None,
    columns: list[str],
    ref: Table,
    ref_columns: list[str],
    on_delete: str,
    set_columns: list[str] | None = None,
) -> str:
    """FOREIGN KEY … REFERENCES …, keeping the existing key's MATCH, ON UPDATE and deferral."""
    text = (
        f"FOREIGN KEY ({quote_list(columns)}) REFERENCES {ddl_name(ref)} "
        f"({quote_list(ref_columns)})"
    )
    if fk is not None and fk.match_full:
        text += " MATCH FULL"
    if fk is not None and fk.on_update != "NO ACTION":
        text += f" ON UPDATE {fk.on_update}"
    text += f" ON DELETE {on_delete}"
    if set_columns:
        text += f" ({quote_list(set_columns)})"
    if fk is not None and fk.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
    if fk is not None and not fk.validated:
        text += " NOT VALID"
    return text


def delete_reach(ctx: Context, table: str) -> list[str]:
    """The tables whose rows go when rows of `table` are deleted: the table, then every table
    whose ON DELETE CASCADE foreign keys it reaches, in the order they are reached."""
    into = ctx.cascades_into()
    reached, queue = [table], [table]
    while queue:
        for child in into.get(queue.pop(0), []):
            if child not in reached:
                reached.append(child)
                queue.append(child)
    return reached


def _named(tables: list[str]) -> str:
    shown = ", ".join(tables[:SHOWN_TABLES])
    return shown + (", …" if len(tables) > SHOWN_TABLES else "")


def delete_reach_text(ctx: Context, table: Table) -> str:
    """What ON DELETE CASCADE on a foreign key of `table` would delete, counted from the schema."""
    reach = delete_reach(ctx, table.name)
    return (
        f"ON DELETE CASCADE would delete the referencing rows, reaching {len(reach)} "
        f"table{'s' if len(reach) > 1 else ''} ({_named(reach)})"
    )


def delete_alternatives(ctx: Context, table: Table, columns: list[str]) -> list[str]:
    """What ON DELETE CASCADE and SET NULL would do instead, counted from the schema."""
    not_null = [c for c in columns if (col := table.column(c)) is None or not col.nullable]
    if not_null:
        set_null = f"ON DELETE SET NULL cannot apply ({', '.join(not_null)} NOT NULL)"
    else:
        set_null = f"ON DELETE SET NULL would keep them with {', '.join(columns)} NULL"
    return [delete_reach_text(ctx, table), set_null]


def restrict_comment(ctx: Context, table: Table, columns: list[str]) -> str:
    """The comment above a foreign key a fix writes with RESTRICT: why, and the alternatives."""
    return (
        "-- ON DELETE RESTRICT keeps today's behaviour: a delete fails while rows point at it.\n"
        "-- Choose instead, if that is the design:\n"
        + "".join(f"--   {line}\n" for line in delete_alternatives(ctx, table, columns))
    )


def _statements(fix: str) -> list[str]:
    """The statements of a fix, comments left out (the whole text if pglast cannot split it)."""
    try:
        return list(pglast.parser.split(fix, with_parser=True))
    except pglast.parser.ParseError:
        return [fix]


def _without(text: str, statement: str) -> str:
    """The fix text with one statement (and its `;` and line end) taken out."""
    start = text.find(statement)
    if start < 0:
        return text
    end = start + len(statement)
    for mark in (";", "\n"):
        if text.startswith(mark, end):
            end += 1
    return text[:start] + text[end:]


SINGLE_INDEX = re.compile(r"CREATE INDEX CONCURRENTLY IF NOT EXISTS \S+ ON (\S+) \((\S+)\);")


def _led_elsewhere(item: Finding, fixes: list[str]) -> bool:
    """Whether an ISO016 index on one column is made redundant by another fix that creates an
    index or UNIQUE on the same table leading with that column (ISO021's composite keys, #11):
    both would stay, and suggest_indexes would then call the single one redundant."""
    found = SINGLE_INDEX.fullmatch(item.fix or "") if item.code == "ISO016" else None
    if found is None:
        return False
    table, column = (re.escape(part) for part in found.groups())
    leads = re.compile(
        rf"(ON {table} \({column}, |ALTER TABLE {table} ADD CONSTRAINT \S+ UNIQUE \({column}, )"
    )
    return any(leads.search(fix) for fix in fixes if fix != item.fix)


def build_fix_script(findings: list[Finding]) -> str:
    """All fix DDL, ordered columns → keys → indexes → RLS → policies → views/functions, each
    statement once (the first fix that needs it writes it)."""
    replaced = {f.object for f in findings if f.code in POLICY_REPLACEMENTS and f.fix}
    fixes = [f.fix for f in findings if f.fix]
    seen: set[str] = set()
    blocks = []
    for item in sorted(findings, key=lambda f: (RULES[f.code].fix_phase, f.object, f.code)):
        if not item.fix or item.fix in seen:
            continue
        if _led_elsewhere(item, fixes):
            note = "an index or UNIQUE written above leads with this column"
            blocks.append(f"-- {item.code} {item.object}: {RULES[item.code].title}\n-- {note}")
            continue
        if item.code == "ISO015" and item.object in replaced:
            continue  # the replacement policy already wraps its calls
        statements = _statements(item.fix)
        if statements and all(s in seen for s in statements):
            continue  # every statement is in the script already
        text = item.fix
        for statement in statements:
            if statement in seen:
                text = _without(text, statement)
        seen.update(statements)
        seen.add(item.fix)
        blocks.append(f"-- {item.code} {item.object}: {RULES[item.code].title}\n{text.rstrip()}")
    if not blocks:
        return ""
    header = (
        "-- pgarchitect isolation fixes: review each statement, then run with psql outside a\n"
        "-- transaction block (CREATE INDEX CONCURRENTLY cannot run inside one). Each statement\n"
        "-- can run again: a second run changes nothing.\n"
    )
    return header + "\n\n".join(blocks) + "\n"
