"""The static reader: SQLModel table classes out of Python files, with Python's `ast` only.

The code is parsed, never imported or executed. A class is a table when it says `table=True`;
its fields include those of its base classes defined in any file read (the SQLModel "multiple
models" pattern, and mixins), and `__tablename__`, when absent, is SQLModel's default: the class
name in lower case. Whatever cannot be told without running the code — a syntax error, a base
class from elsewhere, a computed `__tablename__`, a type SQLModel cannot map — is an `Unread`
with its file and line, never a guess.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.review.fields import Scope, call_name, read_field, read_relationship
from tools.review.files import python_files, read_text, relative
from tools.review.records import ModelClass, ModelFile, Unread
from tools.review.sqltypes import last_name, literal
from tools.review.tableargs import field_indexes, read_table_args

ENUM_BASES = {"Enum", "StrEnum", "IntEnum", "IntFlag", "Flag"}
TYPE_BASES = {"UserDefinedType"}
ROOT_BASES = {"SQLModel", "object", "Generic", "Protocol"}


@dataclass
class Module:
    """A parsed file and its scope; pass one of the reader."""

    path: str
    scope: Scope
    tree: ast.Module | None
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    future_line: int = 0
    problem: Unread | None = None


def parse_module(path: str, text: str | None, problem: str = "") -> Module:
    """Parse one file (a syntax error becomes an Unread with its line) and scan its top level."""
    if text is None:
        unread = Unread(path, 1, "file", problem)
        return Module(path, Scope(path, []), None, problem=unread)
    lines = re.split(r"\r\n|\r|\n", text)  # the line breaks ast counts, no others
    scope = Scope(path, lines)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        reason = f"syntax error: {error.msg} (not Python 3.11 syntax, or broken)"
        return Module(path, scope, None, problem=Unread(path, error.lineno or 1, "file", reason))
    except (ValueError, RecursionError, MemoryError) as error:
        return Module(path, scope, None, problem=Unread(path, 1, "file", f"not parsed: {error}"))
    module = Module(path, scope, tree)
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            if any(alias.name == "annotations" for alias in stmt.names):
                module.future_line = stmt.lineno
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and stmt.value is not None:
                    scope.assigned[target.id] = stmt.value
                    value = literal(stmt.value)
                    if value is not ...:
                        scope.constants[target.id] = value
    for node in _classes(tree.body):
        module.classes.setdefault(node.name, node)
    return module


def _classes(body: list[ast.stmt]) -> Iterator[ast.ClassDef]:
    """Classes at module level, in `if`/`try`/`with` blocks and nested in classes (not in
    functions: those exist only once the function runs)."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            yield stmt
            yield from _classes(stmt.body)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            yield from _classes(stmt.body)
            yield from _classes(getattr(stmt, "orelse", []))
            for handler in getattr(stmt, "handlers", []):
                yield from _classes(handler.body)
            yield from _classes(getattr(stmt, "finalbody", []))


def _bases(node: ast.ClassDef) -> list[str]:
    return [last_name(b.value if isinstance(b, ast.Subscript) else b) for b in node.bases]


def _header(node: ast.ClassDef) -> str:
    """The class statement with its bases and keywords as written, `table=True` among them."""
    parts = [ast.unparse(b) for b in node.bases]
    parts += [
        "table=True" if k.arg == "table" else ast.unparse(k)  # `**kw` unparses with its stars
        for k in node.keywords
    ]
    return f"class {node.name}({', '.join(parts)}):"


def _is_table(node: ast.ClassDef, scope: Scope) -> bool:
    for keyword in node.keywords:
        if keyword.arg == "table":
            value = scope.value(keyword.value)
            if value is ...:
                scope.report(node, node.name, "table= is not a literal: not reviewed")
            return value is True
    return False


class Reader:
    """Pass two: every module's table classes, resolved against the classes of all modules."""

    def __init__(self, modules: list[Module]) -> None:
        self.modules = modules
        self.registry: dict[str, list[tuple[Module, ast.ClassDef]]] = {}
        enums: dict[str, str] = {}
        custom: set[str] = set()
        members: dict[str, list[str]] = {}
        for module in modules:
            for name, node in module.classes.items():
                self.registry.setdefault(name, []).append((module, node))
                bases = set(_bases(node))
                if bases & ENUM_BASES:
                    # SQLAlchemy's Enum(PyEnum) names the type after the class, in lower case.
                    enums[name] = name.lower()
                    members[name] = _enum_members(node)
                if bases & TYPE_BASES:
                    custom.add(name)
        tables = {
            name
            for module in modules
            for name, node in module.classes.items()
            if any(k.arg == "table" and literal(k.value) is True for k in node.keywords)
        }
        for module in modules:
            module.scope.enums, module.scope.custom_types = enums, custom
            module.scope.table_classes = tables
        self.enum_members = members

    def find(self, name: str, near: Module) -> tuple[Module, ast.ClassDef] | None:
        """The class of that name: in the same module first, else the first module defining it."""
        found = self.registry.get(name, [])
        return next((item for item in found if item[0] is near), found[0] if found else None)

    def read(self) -> list[ModelFile]:
        """One ModelFile per module, in the order given."""
        files = []
        for module in self.modules:
            result = ModelFile(module.path, parsed=module.tree is not None)
            if module.problem is not None:
                result.unread.append(module.problem)
            for name, node in module.classes.items():
                if name in self.enum_members and self.find(name, module) == (module, node):
                    result.enums[name] = self.enum_members[name]
                if _is_table(node, module.scope):
                    result.classes.append(self.table_class(module, node))
            result.classes.sort(key=lambda c: c.line)
            result.unread += module.scope.unread
            files.append(result)
        return files

    def table_class(self, module: Module, node: ast.ClassDef) -> ModelClass:
        """One table class with its inherited fields and table arguments."""
        cls = ModelClass(
            name=node.name,
            file=module.path,
            line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            table=node.name.lower(),
            table_given=False,
            schema=None,
            bases=_bases(node),
            header=_header(node),
            future_annotations=module.future_line,
            docstring=ast.get_docstring(node) or "",
        )
        if node.body:
            cls.indent = " " * node.body[0].col_offset
        tablename: tuple[ast.AST, Scope] | None = None
        table_args: tuple[ast.AST, Scope] | None = None
        # Unread items of this class (its own lines and its bases') travel with it.
        module.scope.sink = cls.unread
        lineage = self._lineage(module, node, cls)
        for owner_module, _ in lineage:
            owner_module.scope.sink = cls.unread
        for owner_module, owner in lineage:
            for stmt in owner.body:
                found = self._class_statement(stmt, owner_module.scope, owner.name, cls)
                if found and found[0] == "__tablename__":
                    tablename = (found[1], owner_module.scope)
                elif found and found[0] == "__table_args__":
                    table_args = (found[1], owner_module.scope)
        if tablename is not None:
            value = tablename[1].value(tablename[0])
            if isinstance(value, str):
                cls.table, cls.table_given = value, True
            else:
                tablename[1].report(tablename[0], f"{node.name}.__tablename__", "not a literal")
                cls.table = None
        cls.indexes = field_indexes(cls)
        if table_args is not None:
            read_table_args(cls, table_args[0], table_args[1])
        for owner_module, _ in lineage:
            owner_module.scope.sink = None
        return cls

    def _lineage(
        self, module: Module, node: ast.ClassDef, cls: ModelClass, seen: set[str] | None = None
    ) -> list[tuple[Module, ast.ClassDef]]:
        """Base classes first (farthest first), then the class itself: pydantic's field order."""
        seen = seen if seen is not None else {node.name}
        chain: list[tuple[Module, ast.ClassDef]] = []
        for base in reversed(_bases(node)):
            if base in ROOT_BASES or base in seen or base in ENUM_BASES or not base:
                continue
            found = self.find(base, module)
            if found is None:
                module.scope.report(
                    node,
                    f"{node.name}({base})",
                    f"base class {base} is not defined in the files read: its fields are unknown",
                )
                continue
            seen.add(base)
            chain += self._lineage(found[0], found[1], cls, seen)
        chain.append((module, node))
        return chain

    def _class_statement(
        self, stmt: ast.stmt, scope: Scope, owner: str, cls: ModelClass
    ) -> tuple[str, ast.AST] | None:
        """Read one statement of a class body into `cls`; (dunder, value) for the table names."""
        if isinstance(stmt, ast.Assign):
            names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            for name in names:
                if name in ("__tablename__", "__table_args__"):
                    return name, stmt.value
            if call_name(stmt.value) in ("Field", "Relationship"):
                scope.report(stmt, f"{owner}.{names[0] if names else '?'}", "no annotation")
            return None
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
            if name in ("__tablename__", "__table_args__"):
                return (name, stmt.value) if stmt.value is not None else None
            if call_name(stmt.value) == "Relationship":
                relationship = read_relationship(stmt, scope, owner)
                cls.relationships = [r for r in cls.relationships if r.name != name]
                cls.relationships.append(relationship)
                return None
            read = read_field(stmt, scope, owner)
            if read is None:
                return None
            cls.fields = [f for f in cls.fields if f.name != name]
            cls.fields.append(read)
            return None
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name == "__tablename__":
                scope.report(stmt, f"{owner}.__tablename__", "computed (declared_attr): not read")
            return None
        if isinstance(stmt, (ast.If, ast.Try, ast.For, ast.While, ast.With, ast.Match)):
            scope.report(stmt, owner, "statement in the class body not read")
        return None


def _enum_members(node: ast.ClassDef) -> list[str]:
    return [
        target.id
        for stmt in node.body
        if isinstance(stmt, ast.Assign)
        for target in stmt.targets
        if isinstance(target, ast.Name) and not target.id.startswith("_")
    ]


def _missing_names(modules: list[Module]) -> set[str]:
    """Class names the modules use as bases, relationship targets or types but do not define."""
    defined = {name for m in modules for name in m.classes}
    wanted: set[str] = set()
    for module in modules:
        for node in module.classes.values():
            wanted.update(b for b in _bases(node) if b not in ROOT_BASES | ENUM_BASES)
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and stmt.annotation is not None:
                    wanted.update(
                        n.id
                        for n in ast.walk(stmt.annotation)
                        if isinstance(n, ast.Name) and n.id[:1].isupper()
                    )
                    wanted.update(
                        m
                        for n in ast.walk(stmt.annotation)
                        if isinstance(n, ast.Constant) and isinstance(n.value, str)
                        for m in re.findall(r"\b[A-Z]\w*", n.value)
                    )
    return wanted - defined


def read_models(root: Path, files: list[Path]) -> tuple[list[ModelFile], list[ModelFile]]:
    """(reviewed files, helper files): each file parsed once; helpers are other project modules
    that define a base class, enum or relationship target the reviewed files use."""
    modules = []
    for path in files:
        text, problem = read_text(path)
        modules.append(parse_module(relative(root, path), text, problem))
    missing = _missing_names(modules)
    helpers: list[Module] = []
    if missing:
        chosen = set(files)
        pattern = re.compile(
            rb"^[ \t]*class[ \t]+(" + b"|".join(re.escape(n.encode()) for n in missing) + rb")\b",
            re.M,
        )
        for path in python_files(root):
            resolved = path.resolve()
            if resolved in chosen:
                continue
            try:
                if path.stat().st_size > 2 * 1024 * 1024 or not pattern.search(path.read_bytes()):
                    continue
            except OSError:
                continue
            text, problem = read_text(resolved)
            helpers.append(parse_module(relative(root, resolved), text, problem))
    reader = Reader(modules + helpers)
    read = reader.read()
    return read[: len(modules)], read[len(modules) :]
