"""Code fences of a spec: which reader gets each block (SQL, SQLModel, Prisma, Drizzle…).

Unlabelled fences are sniffed (CREATE TABLE, `class …(SQLModel` or `(models.Model)`, `model X {`,
erDiagram, DBML's `Table x {`); a python block goes to the SQLModel reader and, with Django
models, to `django`. TypeScript fences with Drizzle `pgTable(...)` go to the Drizzle reader, PHP
ones with `Schema::create` to the Laravel reader, `dbml` ones to pydbml. Fences of other
languages (bash, json, ASCII-art diagrams) are skipped without a warning.
"""

from __future__ import annotations

import re

from tools.spec.builder import SpecBuilder
from tools.spec.readers.dbml import is_dbml, read_dbml
from tools.spec.readers.django import is_django, read_django
from tools.spec.readers.drizzle import read_drizzle
from tools.spec.readers.laravel import is_laravel, read_laravel
from tools.spec.readers.prisma import read_prisma
from tools.spec.readers.relations import read_mermaid
from tools.spec.readers.sql import read_sql
from tools.spec.readers.sqlmodel import read_python

SQL_LANGS = {
    "sql",
    "postgres",
    "postgresql",
    "pgsql",
    "psql",
    "plpgsql",
    "mysql",
    "sqlite",
    "ddl",
    "tsql",
}
PY_LANGS = {"python", "py", "python3", "sqlmodel"}
TS_LANGS = {"ts", "typescript", "js", "javascript", "tsx"}


def read_fence(info: str, code: str, first_line: int, builder: SpecBuilder, future: bool) -> None:
    """Send one fenced block to the reader of its language (sniffed when unlabelled)."""
    lang = (info.split() or [""])[0].lower().strip("{}.")
    if not lang or lang in ("text", "plaintext", "txt", "code"):
        if re.search(r"^\s*CREATE\s+(UNIQUE\s+)?(TABLE|INDEX|TYPE)\b", code, re.I | re.M):
            lang = "sql"
        elif re.search(
            r"^\s*class\s+\w+\(.*SQLModel|^\s*__tablename__\s*=", code, re.M
        ) or is_django(code):
            lang = "python"
        elif re.search(r"^\s*(model|enum)\s+\w+\s*\{", code, re.M):
            lang = "prisma"
        elif "erDiagram" in code:
            lang = "mermaid"
        elif is_dbml(code):
            lang = "dbml"
    if lang in SQL_LANGS:
        if lang in ("mysql", "sqlite"):
            builder.dialects.add(lang)
        read_sql(code, first_line, builder, future=future)
    elif lang in PY_LANGS:
        read_python(code, first_line, builder, future)
        if is_django(code):
            read_django(code, first_line, builder, future)
    elif lang == "prisma":
        builder.dialects.add("prisma")
        read_prisma(code, first_line, builder, future)
    elif lang == "dbml":
        read_dbml(code, first_line, builder, future)
    elif lang == "mermaid" and "erDiagram" in code:
        read_mermaid(code, first_line, builder)
    elif lang in ("php", "laravel", "") and is_laravel(code):
        read_laravel(code, first_line, builder, future)
    elif lang in TS_LANGS and re.search(r"\b(pg|mysql|sqlite)Table\s*\(", code):
        read_drizzle(code, first_line, builder, future)


# --- SQLModel -----------------------------------------------------------------------------


# --- Prisma --------------------------------------------------------------------------------
