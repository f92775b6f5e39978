"""Python source as small expression trees, laid out the way `ruff format` lays them out.

The generated module must be `ruff format`-clean without running ruff, so the layout rule is
kept simple and stable under ruff: an expression goes on one line when it fits in 100
characters, otherwise its brackets explode one item per line with a magic trailing comma (which
ruff keeps as it is). Long strings become implicit concatenations. Imports are sorted the way
ruff's isort does it (order-by-type).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from tools.codegen.text import ascii_lookalikes, escape_lookalikes, printable, width, wrap

LINE = 100


INDENT = "    "


@dataclass
class Call:
    """`func(arg, ..., key=value, ...)`."""

    func: str
    args: list[Expr] = field(default_factory=list)
    kwargs: list[tuple[str, Expr]] = field(default_factory=list)


@dataclass
class Seq:
    """A list `[...]` or a tuple `(...)`."""

    items: list[Expr]
    tuple: bool = False


@dataclass
class Mapping:
    """A dict literal `{key: value}`."""

    items: list[tuple[Expr, Expr]]


@dataclass
class Str:
    """A string literal (split into an implicit concatenation when too long)."""

    value: str


Expr = Call | Seq | Mapping | Str | str  # a plain str is code, emitted verbatim


def py_str(value: str) -> str:
    """The literal ruff prefers: double quotes unless single quotes need fewer escapes."""
    literal = escape_lookalikes(repr(value))
    inner = literal[1:-1].replace("\\'", "'") if literal[0] == "'" else literal[1:-1]
    if inner.count('"') > inner.count("'"):
        return "'" + inner.replace("'", "\\'") + "'"
    return '"' + inner.replace('"', '\\"') + '"'


def flat(expr: Expr) -> str:
    """The expression on one line."""
    if isinstance(expr, str):
        return expr
    if isinstance(expr, Str):
        return py_str(expr.value)
    if isinstance(expr, Call):
        parts = [flat(a) for a in expr.args] + [f"{k}={flat(v)}" for k, v in expr.kwargs]
        return f"{expr.func}({', '.join(parts)})"
    if isinstance(expr, Mapping):
        return "{" + ", ".join(f"{flat(k)}: {flat(v)}" for k, v in expr.items) + "}"
    inner = ", ".join(flat(i) for i in expr.items)
    if expr.tuple:
        return f"({inner},)" if len(expr.items) == 1 else f"({inner})"
    return f"[{inner}]"


def _chunks(value: str, limit: int) -> list[str]:
    """Pieces of a string whose literals fit in `limit` columns, cut after spaces where possible."""
    pieces: list[str] = []
    rest = value
    while width(py_str(rest)) > limit:
        cut = max(8, limit - 2)
        while cut > 1 and width(py_str(rest[:cut])) > limit:
            cut -= 1
        space = rest.rfind(" ", 1, cut)
        if space > cut // 2:
            cut = space + 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    return [*pieces, rest]


def lay_out(expr: Expr, indent: str = "", prefix: str = "", suffix: str = "") -> list[str]:
    """Lines of `indent + prefix + expr + suffix`, exploded when longer than the line."""
    line = indent + prefix + flat(expr) + suffix
    if width(line) <= LINE or isinstance(expr, str):
        return [line]
    inner = indent + INDENT
    if isinstance(expr, Str):
        pieces = _chunks(expr.value, LINE - len(inner))
        if prefix:  # `key=(` … `)`: ruff parenthesizes an implicit concatenation value
            body = [inner + py_str(p) for p in pieces]
            return [indent + prefix + "(", *body, indent + ")" + suffix]
        body = [indent + py_str(p) for p in pieces]
        body[-1] += suffix
        return body
    hugged = _hug(expr, inner)
    if hugged is not None:  # ruff's first try: the contents on one line inside the brackets
        opening, closing = hugged
        return [indent + prefix + opening, hugged_body(expr, inner), indent + closing + suffix]
    lines: list[str] = []
    if isinstance(expr, Call):
        lines.append(indent + prefix + expr.func + "(")
        for arg in expr.args:
            lines += lay_out(arg, inner, "", ",")
        for key, value in expr.kwargs:
            lines += lay_out(value, inner, f"{key}=", ",")
        lines.append(indent + ")" + suffix)
    elif isinstance(expr, Mapping):
        lines.append(indent + prefix + "{")
        for item_key, value in expr.items:
            lines += lay_out(value, inner, f"{flat(item_key)}: ", ",")
        lines.append(indent + "}" + suffix)
    else:
        opening, closing = ("(", ")") if expr.tuple else ("[", "]")
        lines.append(indent + prefix + opening)
        for item in expr.items:
            lines += lay_out(item, inner, "", ",")
        lines.append(indent + closing + suffix)
    return lines


def _brackets(expr: Expr) -> tuple[str, str, list[str]]:
    if isinstance(expr, Call):
        parts = [flat(a) for a in expr.args] + [f"{k}={flat(v)}" for k, v in expr.kwargs]
        return expr.func + "(", ")", parts
    if isinstance(expr, Mapping):
        return "{", "}", [f"{flat(k)}: {flat(v)}" for k, v in expr.items]
    assert isinstance(expr, Seq)
    opening, closing = ("(", ")") if expr.tuple else ("[", "]")
    return opening, closing, [flat(i) for i in expr.items]


def _hug(expr: Expr, inner: str) -> tuple[str, str] | None:
    if isinstance(expr, Str | str) or (isinstance(expr, Seq) and expr.tuple):
        return None  # a tuple keeps one item per line (and a 1-tuple its comma)
    if isinstance(expr, Seq | Mapping) and len(expr.items) > 1:
        return None  # ruff splits a literal collection at every comma, calls it hugs
    opening, closing, parts = _brackets(expr)
    if not parts or width(inner) + width(", ".join(parts)) > LINE:
        return None
    return opening, closing


def hugged_body(expr: Expr, inner: str) -> str:
    """The contents of a bracket on one indented line."""
    return inner + ", ".join(_brackets(expr)[2])


def docstring(text: str, indent: str) -> list[str]:
    """A docstring: one line when it fits, else a summary paragraph wrapped at the line.

    Any text holds: controls become visible escapes, lookalikes their ASCII, and neither a
    quote nor a backslash can end the string early.
    """
    text = " ".join(printable(ascii_lookalikes(text)).split())
    text = text.replace("\\", "\\\\").replace('"""', "'''")
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    if len(indent) + width(text) + 6 <= LINE:
        return [f'{indent}"""{text}"""']
    limit = LINE - len(indent) - 3
    wrapped = wrap(text, limit)
    while len(wrapped) < 2 and limit > 10:  # ruff joins a one-line docstring onto its quotes
        limit -= 10
        wrapped = wrap(text, limit)
    lines = [f'{indent}"""{wrapped[0]}', *(indent + w for w in wrapped[1:])]
    return [*lines, f'{indent}"""']


def comment(text: str, indent: str = "") -> list[str]:
    """A `#` comment wrapped at the line."""
    text = printable(ascii_lookalikes(text))
    return [f"{indent}# {w}" for w in wrap(text, LINE - len(indent) - 2)]


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def is_identifier(name: str) -> bool:
    """A Python identifier that is not a keyword (soft keywords are fine as names)."""
    return bool(_IDENTIFIER.match(name)) and not keyword.iskeyword(name)


def _member_key(name: str) -> tuple[int, str, str]:
    # ruff's isort, order-by-type: CONSTANTS, then Classes, then functions and variables.
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return (kind, name.lower(), name)


class Imports:
    """The imports a module needs, collected while rendering, printed sorted."""

    STDLIB = frozenset({"datetime", "decimal", "enum", "typing", "uuid"})

    def __init__(self) -> None:
        self.modules: set[str] = set()
        self.names: dict[str, set[str]] = {}

    def add(self, module: str, name: str | None = None) -> str:
        """Record `import module` (name None) or `from module import name`; return the name."""
        if name is None:
            self.modules.add(module)
            return module
        self.names.setdefault(module, set()).add(name)
        return name

    def lines(self) -> list[str]:
        """Two isort sections (stdlib, third party), straight imports first in each."""
        sections: list[list[str]] = []
        for stdlib in (True, False):
            chosen = sorted(m for m in self.modules if (m.split(".")[0] in self.STDLIB) == stdlib)
            section = [f"import {m}" for m in chosen]
            froms = sorted(m for m in self.names if (m.split(".")[0] in self.STDLIB) == stdlib)
            for module in froms:
                names = sorted(self.names[module], key=_member_key)
                line = f"from {module} import {', '.join(names)}"
                if width(line) <= LINE:
                    section.append(line)
                else:
                    section += [f"from {module} import (", *(f"{INDENT}{n}," for n in names), ")"]
            if section:
                sections.append(section)
        out: list[str] = []
        for section in sections:
            out += [*([""] if out else []), *section]
        return out
