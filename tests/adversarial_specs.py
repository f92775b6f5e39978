"""Hostile specs generated in code, by shape and size (issue #13): the spec reader's worst cases.

Each shape is a function of a size `n` (its natural unit: characters, columns, headings, levels)
returning spec text; `SHAPES` gives each one's full size (about 1 MB, or the count the issue
names). Shared by tests/test_spec_adversarial.py and bench/spec_adversarial.py.
"""

from __future__ import annotations

from collections.abc import Callable

_PROSE = "the id (pk, `uuid`) - a: b, c; **d** "


def long_line(n: int) -> str:
    """One line of n characters of prose, brackets and marks under a table heading."""
    return "## users\n\n" + (_PROSE * (n // len(_PROSE) + 1))[:n] + "\n"


def backtick_bullet(n: int) -> str:
    """A bullet of n characters of backticked words under a table heading."""
    return "## users\n\n- id: uuid\n- " + ("`x` " * (n // 4 + 1))[:n] + "\n"


def parens_column(n: int) -> str:
    """A column line with n opening parentheses, never closed."""
    return "## users\n\n- id: int " + "(" * n + "\n"


def nested_brackets(n: int) -> str:
    """A column whose attributes nest n levels deep, closed again."""
    return "## users\n\n- id: int " + "(" * n + "pk" + ")" * n + "\n"


def wide_bullets(n: int) -> str:
    """A table of n columns written as bullets."""
    rows = "\n".join(f"- c{i}: varchar({i % 200 + 1}) (not null, unique)" for i in range(n))
    return f"## users\n\n{rows}\n"


def wide_markdown_table(n: int) -> str:
    """A table of n columns written as a Markdown table, one row each."""
    rows = "\n".join(f"| c{i} | integer | NOT NULL | column {i} |" for i in range(n))
    return f"## users\n\n| Column | Type | Constraints | Description |\n|---|---|---|---|\n{rows}\n"


def headings(n: int) -> str:
    """n headings, nothing under them."""
    return "\n".join(f"## section {i}" for i in range(n)) + "\n"


def table_header_row(n: int) -> str:
    """A Markdown table whose header row is n characters long (cells `h0 | h1 | …`)."""
    cells: list[str] = []
    size = 0
    while size < n:
        cells.append(f"h{len(cells)}")
        size += len(cells[-1]) + 3
    return (
        "# Schema\n\n## users\n\n| "  # under a title, "## users" is a table heading
        + " | ".join(cells)
        + " |\n|"
        + "---|" * len(cells)
        + "\n| "
        + " | ".join("x" for _ in cells)
        + " |\n"
    )


def sql_expression(n: int) -> str:
    """A SQL fence holding one n-character left-deep `1+1+…` default (pglast's crash shape)."""
    terms = "+".join("1" for _ in range(max(n // 2, 1)))
    return f"## users\n\n```sql\nCREATE TABLE users (id int DEFAULT {terms});\n```\n"


def sql_statements(n: int) -> str:
    """A SQL fence of about n characters of ordinary CREATE TABLE statements."""
    one = "CREATE TABLE t{0} (id bigint PRIMARY KEY, name text NOT NULL);\n"
    count = max(n // len(one.format(0)), 1)
    return "```sql\n" + "".join(one.format(i) for i in range(count)) + "```\n"


# name -> (shape, full size, unit): the sizes the issue names.
SHAPES: dict[str, tuple[Callable[[int], str], int, str]] = {
    "long line (1 MB)": (long_line, 1_000_000, "chars"),
    "bullet of backticks (1 MB)": (backtick_bullet, 1_000_000, "chars"),
    "150,000 ( in a column line": (parens_column, 150_000, "parens"),
    "10,000-level nested brackets": (nested_brackets, 10_000, "levels"),
    "5,000-column table, bullets": (wide_bullets, 5_000, "columns"),
    "5,000-column table, Markdown": (wide_markdown_table, 5_000, "columns"),
    "100,000 headings": (headings, 100_000, "headings"),
    "48 KB table header row": (table_header_row, 48_000, "chars"),
    "990 KB SQL expression": (sql_expression, 990_000, "chars"),
    "990 KB of SQL statements": (sql_statements, 990_000, "chars"),
}
