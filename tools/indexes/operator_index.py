"""A GIN, GiST or SP-GiST index on one column or expression, with its operator class.

`OperatorIndex` renders what a suggestion prints: the DDL (`CREATE INDEX CONCURRENTLY`, the
extension first when its class needs one, identifiers quoted by psycopg, the operator class
only when it is not the type's default, as pg_get_indexdef writes it) and the SQLModel code
(`Index(..., postgresql_using=..., postgresql_ops=...)`, an expression as `text(...)`). The
expression text is pglast's rendering of the parsed query, never the caller's raw text.
"""

from __future__ import annotations

import hashlib

from psycopg import sql
from pydantic import BaseModel, ConfigDict

from tools.indexes.access_methods import OperatorClass
from tools.indexes.models import MAX_IDENTIFIER
from tools.naming import qualified, quote_ident

BUILT_IN = ("pg_catalog",)
ON_PATH = ("pg_catalog", "public")  # schemas SQLAlchemy's bare class names resolve in


class OperatorIndex(BaseModel):
    """The index: table, key (a column or an expression), method and operator class."""

    model_config = ConfigDict(frozen=True)

    schema_name: str
    table: str
    key: str
    columns: tuple[str, ...]  # the table's columns the key uses (the key itself for a column)
    expression: bool
    opclass: OperatorClass
    concurrently: bool = True
    index_name: str | None = None

    @property
    def method(self) -> str:
        return self.opclass.method

    @property
    def key_text(self) -> str:
        """The key as IndexSuggestion.columns and the catalog's IndexKey.text write it."""
        return f"({self.key})" if self.expression else self.key

    def name(self) -> str:
        """ix_<table>_<function>_<columns>_<method>[_trgm], shortened with a hash past 63 bytes."""
        if self.index_name:
            return self.index_name
        parts = [self.table]
        if self.expression:
            parts.append(self.key.split("(", 1)[0])
        parts += [*self.columns, self.method]
        if self.opclass.name.endswith("_trgm_ops"):
            parts.append("trgm")
        name = "ix_" + "_".join(parts)
        if len(name.encode()) <= MAX_IDENTIFIER:
            return name
        digest = hashlib.sha1(f"{self.key} {self.opclass.name}".encode()).hexdigest()[:8]
        return name.encode()[: MAX_IDENTIFIER - 9].decode(errors="ignore") + "_" + digest

    def _opclass_sql(self) -> sql.Composable | None:
        opclass = self.opclass
        if opclass.default:
            return None
        if opclass.schema_name in (None, *BUILT_IN):
            return sql.SQL(quote_ident(opclass.name))
        return sql.SQL(qualified(opclass.schema_name, opclass.name))

    def create_sql(self) -> str:
        """The statements to run, one a line: CREATE EXTENSION when needed, CREATE INDEX."""
        key: sql.Composable = (
            sql.SQL(self.key_text) if self.expression else sql.Identifier(self.key)
        )
        opclass = self._opclass_sql()
        if opclass is not None:
            key = sql.SQL("{} {}").format(key, opclass)
        head = "CREATE INDEX CONCURRENTLY" if self.concurrently else "CREATE INDEX"
        statement = sql.SQL(head + " IF NOT EXISTS {} ON {} USING {} ({})").format(
            sql.Identifier(self.name()),
            sql.Identifier(self.schema_name, self.table),
            sql.SQL(self.method),
            key,
        )
        lines = [statement.as_string()]
        if self.opclass.extension:
            create = sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(
                sql.Identifier(self.opclass.extension)
            )
            lines.insert(0, create.as_string())
        return ";\n".join(lines)

    def sqlmodel(self) -> str:
        """The same index in SQLModel's __table_args__."""
        opclass = None
        if not self.opclass.default:
            in_path = self.opclass.schema_name in (None, *ON_PATH)
            opclass = self.opclass.name if in_path else self.opclass.qualified
        args = [repr(self.name())]
        if self.expression:
            args.append(f"text({' '.join(filter(None, [self.key, opclass]))!r})")
        else:
            args.append(repr(self.key))
        args.append(f"postgresql_using={self.method!r}")
        if opclass and not self.expression:
            args.append(f"postgresql_ops={{{self.key!r}: {opclass!r}}}")
        code = f"__table_args__ = (Index({', '.join(args)}),)  # on class for {self.table}"
        if self.opclass.extension:
            code += f"; needs CREATE EXTENSION {self.opclass.extension} first (a migration step)"
        return code


def free_name(name: str, taken: set[str]) -> str:
    """name, or name_1, name_2… (cut to 63 bytes) when taken: IF NOT EXISTS looks at names only."""
    candidate, number = name, 1
    while candidate in taken:
        suffix = f"_{number}"
        candidate = name.encode()[: MAX_IDENTIFIER - len(suffix)].decode(errors="ignore") + suffix
        number += 1
    return candidate
