"""The SQLModel docs' "multiple models" pattern next to each generated table class.

The table class stays exactly as generated (so the round trip holds). `<Class>Base` holds what a
client may write: no primary key or other server-set column, and never the tenant column, which
the server sets from the session (RLS or the app), not from the request body. `Create` adds
nothing, `Public` adds the read-only columns, `Update` makes every writable field optional.
"""

from __future__ import annotations

from tools.codegen.format import INDENT, docstring
from tools.codegen.models import GeneratedClass, GeneratedField


def crud_blocks(record: GeneratedClass, tenant: str | None) -> list[list[str]]:
    """Base/Create/Public/Update of the SQLModel docs' "multiple models" pattern.

    The table class stays as generated (so the round trip holds); Base holds what a client may
    write: no primary key or other server-set column, and never the tenant column, which the
    server sets from the session (RLS or the app), not from the request body.
    """
    cls = record.class_name
    writable = [f for f in record.fields if not f.server_set and f.column != tenant]
    writable = [f for f in writable if f.name not in {"id"}]
    read_only = [f for f in record.fields if f not in writable]
    base = [f"class {cls}Base(SQLModel):"]
    base += docstring(f"The fields of a {cls} a client may write.", INDENT)
    base += ([""] + [INDENT + _plain_field(f) for f in writable]) if writable else []
    create = [f"class {cls}Create({cls}Base):"]
    create += docstring(f"The body of a request creating a {cls}.", INDENT)
    public = [f"class {cls}Public({cls}Base):"]
    public += docstring(f"A {cls} as the API returns it.", INDENT)
    shown = [f"{INDENT}{f.name}: {_read_annotation(f)}" for f in read_only]
    public += (["", *shown]) if shown else []
    update = [f"class {cls}Update(SQLModel):"]
    update += docstring(f"A partial update of a {cls}: every field optional.", INDENT)
    optional = [
        f"{INDENT}{f.name}: {f.annotation.removesuffix(' | None')} | None = None" for f in writable
    ]
    update += (["", *optional]) if optional else []
    return [base, create, public, update]


def _read_annotation(gen: GeneratedField) -> str:
    """What a read returns: server-set NOT NULL columns are always there."""
    return gen.annotation if gen.nullable else gen.annotation.removesuffix(" | None")


def _plain_field(gen: GeneratedField) -> str:
    if gen.default is not None:
        return f"{gen.name}: {gen.annotation} = {gen.default}"
    if gen.annotation.endswith("| None"):
        return f"{gen.name}: {gen.annotation} = None"
    return f"{gen.name}: {gen.annotation}"
