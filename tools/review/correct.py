"""Corrected classes: the drafts rendered by `generate_code`, in the project's class names.

All drafts of a page go through one `generate_code` call (a snapshot of those tables and the
enums they use). Each class is then cut out of the module by its `__tablename__`: the project's
class statement (its name, base classes and keywords), the generated `Relationship()` lines
replaced by the project's own, enum classes the project already defines used instead of
generated ones, and the imports narrowed to the names it uses. A field a base class declares
stays there unless the correction changes it (then the class redeclares it, which overrides
the base's). The field lines double as the code fixes of the findings.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass, field
from typing import Any

from tools.catalog import Table
from tools.codegen import generate_code
from tools.errors import PgArchitectError
from tools.review.records import ModelClass, ModelField
from tools.review.tables import snapshot_of

LINE = 100
ENUM_DOC = re.compile(r'"""Postgres enum ([^".]+)\.([^"]+)\."""')


@dataclass
class Corrected:
    """One corrected class: its code, the imports it needs, and the field lines by column."""

    code: str
    imports: list[str]
    field_lines: dict[str, str] = field(default_factory=dict)  # column → statement
    table_args: str | None = None


def explicit_actions(table: Table) -> Table:
    """Foreign keys with NO ACTION written as RESTRICT: the same behaviour, said explicitly."""
    fks = [
        fk.model_copy(update={"on_delete": "RESTRICT"})
        if fk.on_delete == "NO ACTION" and not fk.deferrable
        else fk
        for fk in table.foreign_keys
    ]
    return table.model_copy(update={"foreign_keys": fks})


def _imports(tree: ast.Module) -> list[tuple[str | None, str, str]]:
    """(module or None for `import x`, name, as written) of the module's imports."""
    found: list[tuple[str | None, str, str]] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name, alias.asname or alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(None, alias.name, alias.asname or alias.name) for alias in node.names]
    return found


def _used_imports(imports: list[tuple[str | None, str, str]], text: str) -> list[str]:
    words = set(re.findall(r"[A-Za-z_]\w*", text))
    by_module: dict[str, list[str]] = {}
    lines = []
    for module, name, bound in imports:
        if bound not in words:
            continue
        if module is None:
            lines.append(f"import {name}")
        else:
            by_module.setdefault(module, []).append(name)
    lines += [f"from {m} import {', '.join(names)}" for m, names in by_module.items()]
    return lines


def _cut(lines: list[str], node: ast.AST) -> str:
    return "\n".join(lines[node.lineno - 1 : node.end_lineno])  # type: ignore[attr-defined]


def _enum_blocks(tree: ast.Module, lines: list[str]) -> dict[str, tuple[str, str]]:
    """Postgres enum name → (generated class name, its code)."""
    blocks = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and (doc := ast.get_docstring(node, clean=False)):
            match = ENUM_DOC.match(f'"""{doc}"""')
            if match:
                blocks[match.group(2)] = (node.name, _cut(lines, node))
    return blocks


def render_corrected(
    items: list[tuple[ModelClass, Table, set[str]]],
    schema: str,
    enums: list[dict[str, Any]],
) -> dict[int, Corrected]:
    """Corrected code for each (class, draft table, inherited columns left to the bases), keyed
    by the index in `items`."""
    tables = [explicit_actions(table) for _, table, _ in items]
    names = [t.name for t in tables]
    if len(set(names)) < len(names):  # two classes for one table: one module each
        result: dict[int, Corrected] = {}
        for position, item in enumerate(items):
            single = render_corrected([item], schema, enums)
            if 0 in single:
                result[position] = single[0]
        return result
    used = {c.enum.split(".")[-1] for t in tables for c in t.columns if c.enum}
    snapshot = snapshot_of(tables, schema, [e for e in enums if e["name"] in used])
    try:
        generated = generate_code(snapshot)
    except (PgArchitectError, ValueError, KeyError):
        return {}
    tree = ast.parse(generated.code)
    lines = generated.code.splitlines()
    imports = _imports(tree)
    enum_blocks = _enum_blocks(tree, lines)
    support = [
        _cut(lines, n) for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PgType"
    ]
    columns_of = {
        c.table.split(".", 1)[1]: {f.name: f.column for f in c.fields} for c in generated.classes
    }
    classes = {
        _tablename(node): node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and _tablename(node)
    }
    result = {}
    for position, (cls, table, inherited) in enumerate(items):
        node = classes.get(table.name)
        if node is None:
            continue
        columns = columns_of.get(table.name, {})
        result[position] = _one(cls, node, lines, columns, imports, inherited)
        corrected = result[position]
        extra = []
        for pg_name, (generated_name, block) in enum_blocks.items():
            if not re.search(rf"\b{generated_name}\b", corrected.code):
                continue
            own = next(
                (f.enum_class for f in cls.fields if f.enum == pg_name and f.enum_class), None
            )
            if own:
                corrected.code = re.sub(rf"\b{generated_name}\b", own, corrected.code)
                corrected.field_lines = {
                    k: re.sub(rf"\b{generated_name}\b", own, v)
                    for k, v in corrected.field_lines.items()
                }
            else:
                extra.append(block)
        head = [b for b in support if "PgType(" in corrected.code] + extra
        if head:
            corrected.code = "\n\n\n".join([*head, corrected.code])
        corrected.imports = _used_imports(imports, corrected.code)
    return result


def _tablename(node: ast.ClassDef) -> str | None:
    for stmt in node.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            return stmt.value.value
    return None


def _one(
    cls: ModelClass,
    node: ast.ClassDef,
    lines: list[str],
    columns: dict[str, str],
    imports: list[tuple[str | None, str, str]],
    inherited: set[str],
) -> Corrected:
    """The class block under the project's class statement, its generated relationships swapped
    for the project's own, the `inherited` columns left to the base classes that declare them."""
    indent = " " * node.body[0].col_offset
    keep: list[str] = [cls.header or f"class {cls.name}(SQLModel, table=True):"]
    field_lines: dict[str, str] = {}
    table_args = None
    body = node.body
    if isinstance(body[0], ast.Expr):
        shown = f"{cls.schema}.{cls.table}" if cls.schema else cls.table
        doc = (cls.docstring or f"A row of {shown}.").replace('"""', '\\"\\"\\"')
        doc_lines = doc.split("\n")
        keep += [f'{indent}"""{doc_lines[0]}'] + [
            f"{indent}{line}" if line else "" for line in doc_lines[1:]
        ]
        keep[-1] += '"""'
        previous_end = body[0].end_lineno or body[0].lineno
        body = body[1:]
    else:
        previous_end = body[0].lineno - 1
    for stmt in body:
        is_relationship = (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.value, ast.Call)
            and getattr(stmt.value.func, "id", "") == "Relationship"
        )
        gap = [  # blank lines and comments before it, less the generator's own remark
            line
            for line in lines[previous_end : stmt.lineno - 1]
            if not line.strip().startswith("# FKs to tables outside the selection")
        ]
        previous_end = stmt.end_lineno or stmt.lineno
        if is_relationship:
            continue
        text = _cut(lines, stmt)
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            column = columns.get(stmt.target.id, stmt.target.id)
            if column in inherited:
                continue
            own = cls.field(column)
            if own is not None and own.pg_type is None:
                text = indent + own.source  # a type the reader could not tell: kept as written
            elif own is not None:
                text = _carry(text, own, indent)
            field_lines[column] = text.strip()
        keep += [*gap, text]
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__table_args__" for t in stmt.targets
        ):
            table_args = text.strip()
    while keep and keep[-1] == "":
        keep.pop()
    relationships = [r.source for r in cls.relationships if r.owner in ("", cls.name)]
    if relationships:
        keep.append("")
        keep += [f"{indent}{source}" for source in relationships]
    code = "\n".join(keep)
    return Corrected(code, _used_imports(imports, code), field_lines, table_args)


def _carry(text: str, own: ModelField, indent: str) -> str:
    """A generated field with the project's pydantic-only arguments and app-side default."""
    extra = dict(own.extra)
    stmt = ast.parse(textwrap.dedent(text)).body[0]
    assert isinstance(stmt, ast.AnnAssign)
    value = stmt.value
    is_field = isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Field"
    keywords = value.keywords if isinstance(value, ast.Call) and is_field else []
    own_default = own.default_factory or (own.default not in (None, "None"))
    if own_default and isinstance(value, ast.Constant) and value.value is None:
        value = stmt.value = None  # the project's default instead of the generated None
    if own_default:
        keywords[:] = [
            k for k in keywords if not (k.arg == "default" and _is_none_constant(k.value))
        ]
    given = {k.arg for k in keywords}
    if value is not None and not is_field:
        given = {"default"}
    if not given & {"default", "default_factory"}:
        if own.default_factory:
            extra["default_factory"] = own.default_factory
        elif own.default is not None and own.default != "None":
            extra["default"] = own.default
    extra = {k: v for k, v in extra.items() if k not in given}
    if not extra:
        return text
    added = [ast.keyword(k, ast.parse(v, mode="eval").body) for k, v in extra.items()]
    if isinstance(value, ast.Call) and is_field:
        value.keywords = [*added, *keywords]
    elif value is None:
        stmt.value = ast.Call(ast.Name("Field"), [], added)
    else:
        stmt.value = ast.Call(ast.Name("Field"), [], [ast.keyword("default", value), *added])
    return layout(stmt, indent)


def _is_none_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def quoted(code: str) -> str:
    """Code with its plain string literals in double quotes, as ruff writes them."""
    lines = code.split("\n")
    out: list[str] = []
    last = (1, 0)
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.ENDMARKER:
            break
        if token.start[0] == last[0]:
            out.append(lines[token.start[0] - 1][last[1] : token.start[1]])
        elif token.start[0] > last[0]:
            out.append("\n" + lines[token.start[0] - 1][: token.start[1]])
        text = token.string
        if token.type == tokenize.STRING and text[:1] == "'" and text[:3] != "'" * 3:
            value = ast.literal_eval(text)
            if isinstance(value, str) and '"' not in value and "\\" not in text:
                text = '"' + value + '"'
        out.append(text)
        last = token.end
    return "".join(out)


def layout(stmt: ast.AnnAssign, indent: str) -> str:
    """A field statement on one line when it fits in 100 columns, else one argument per line."""
    line = indent + quoted(ast.unparse(stmt))
    value = stmt.value
    if len(line) <= LINE or not isinstance(value, ast.Call):
        return line
    target, annotation = ast.unparse(stmt.target), ast.unparse(stmt.annotation)
    head = f"{indent}{target}: {quoted(annotation)} = {ast.unparse(value.func)}("
    args = [ast.unparse(a) for a in value.args]
    args += [
        f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}"
        for k in value.keywords
    ]
    body = "\n".join(f"{indent * 2}{quoted(a)}," for a in args)
    return f"{head}\n{body}\n{indent})"
