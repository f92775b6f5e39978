"""The extensions a generated module needs before `create_all` can create its tables.

A default of `uuid_generate_v4()`, a `vector(1536)` column or a `gin_trgm_ops` index only work
once `uuid-ossp`, `vector` or `pg_trgm` exists in the database, and neither SQLModel nor
Alembic creates extensions. The module therefore registers `CREATE EXTENSION IF NOT EXISTS …
CASCADE` on the metadata's `before_create`, for every extension whose types, functions,
operator classes or index methods the tables use. The objects are recognised by name from the
table below (the spec path knows no more), skipping functions the schema itself defines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from tools.catalog.models import SchemaSnapshot, Table
from tools.codegen.format import Call, Imports, Str, lay_out
from tools.codegen.types import SA
from tools.naming import quote_ident

# The types, functions, operator classes and index methods of contrib and the common
# third-party extensions, as they are spelled in column types and expressions.
EXTENSION_OBJECTS = {
    "uuid-ossp": "uuid_generate_v1 uuid_generate_v1mc uuid_generate_v3 uuid_generate_v4 "
    "uuid_generate_v5 uuid_nil uuid_ns_dns uuid_ns_url uuid_ns_oid uuid_ns_x500",
    "pg_uuidv7": "uuid_generate_v7",
    "pgcrypto": "gen_random_bytes gen_salt crypt digest hmac encrypt decrypt pgp_sym_encrypt "
    "pgp_sym_decrypt armor dearmor",
    "citext": "citext",
    "hstore": "hstore gist_hstore_ops gin_hstore_ops",
    "ltree": "ltree lquery ltxtquery subltree subpath nlevel text2ltree ltree2text gist_ltree_ops",
    "vector": "vector halfvec sparsevec ivfflat hnsw vector_l2_ops vector_ip_ops "
    "vector_cosine_ops vector_l1_ops halfvec_l2_ops halfvec_ip_ops halfvec_cosine_ops "
    "sparsevec_l2_ops sparsevec_ip_ops sparsevec_cosine_ops",
    "postgis": "geometry geography box2d box3d st_makepoint st_setsrid st_geomfromtext st_point",
    "pg_trgm": "similarity word_similarity strict_word_similarity show_trgm gin_trgm_ops "
    "gist_trgm_ops",
    "btree_gist": "gist_int2_ops gist_int4_ops gist_int8_ops gist_text_ops gist_uuid_ops "
    "gist_timestamp_ops gist_timestamptz_ops gist_date_ops gist_numeric_ops gist_bpchar_ops "
    "gist_enum_ops",
    "btree_gin": "gin_int2_ops gin_int4_ops gin_int8_ops gin_text_ops gin_uuid_ops "
    "gin_timestamp_ops gin_timestamptz_ops gin_date_ops gin_numeric_ops gin_enum_ops",
    "intarray": "gin__int_ops gist__int_ops gist__intbig_ops",
    "cube": "cube",
    "earthdistance": "earth ll_to_earth earth_distance earth_box",
    "isn": "isbn isbn13 ean13 issn issn13 upc ismn ismn13",
    "unaccent": "unaccent",
    "fuzzystrmatch": "levenshtein soundex metaphone dmetaphone difference",
    "bloom": "bloom",
}
OWNER = {name: ext for ext, names in EXTENSION_OBJECTS.items() for name in names.split()}

# Quoted names, bare names, `::` and single characters: one linear pass (specs are untrusted).
_TOKEN = re.compile(r'"[^"]*"|[A-Za-z_][\w$]*|::|\S')


def _calls_and_casts(text: str) -> tuple[set[str], set[str]]:
    """Lower-cased names called as functions (`f(`) and cast to (`::t`, `::s.t`)."""
    # Postgres folds bare names to lower case and keeps quoted ones as written.
    tokens = [t[1:-1] if t[:1] == '"' else t.lower() for t in _TOKEN.findall(text)]
    calls = {name for name, after in pairwise(tokens) if after == "("}
    casts = set()
    for number, token in enumerate(tokens[:-1]):
        if token == "::":
            rest = tokens[number + 1 : number + 4]
            casts.add(rest[2] if len(rest) == 3 and rest[1] == "." else rest[0])
    return calls, casts


def _base_type(pg_type: str) -> str:
    """`public.vector(1536)[]` → `vector`."""
    name = pg_type.split("(", 1)[0].removesuffix("[]").strip()
    return name.rsplit(".", 1)[-1].strip('"').lower()


def _expressions(table: Table) -> Iterator[str]:
    for column in table.columns:
        yield from (text for text in (column.default, column.generated) if text)
    yield from (check.expression for check in table.check_constraints)
    for index in table.indexes:
        yield from (key.expression for key in index.keys if key.expression)
        if index.predicate:
            yield index.predicate


def _used_names(tables: list[Table]) -> tuple[set[str], set[str]]:
    """(called functions, other names: types, operator classes, index methods) of the tables."""
    functions: set[str] = set()
    others: set[str] = set()
    for table in tables:
        others |= {_base_type(c.type) for c in table.columns}
        for text in _expressions(table):
            calls, casts = _calls_and_casts(text)
            functions |= calls
            others |= casts
        for index in table.indexes:
            others.add(index.method)
            others |= {k.opclass.rsplit(".", 1)[-1] for k in index.keys if k.opclass}
    return functions, others


def needed_extensions(snapshot: SchemaSnapshot, tables: list[Table]) -> list[str]:
    """The extensions whose objects the tables use, sorted; the schema's own functions win."""
    functions, others = _used_names(tables)
    functions -= {f.name.lower() for f in snapshot.functions}
    return sorted({OWNER[name] for name in functions | others if name in OWNER})


def schema_function_note(snapshot: SchemaSnapshot, tables: list[Table]) -> str | None:
    """A note naming the schema's own functions the tables call: they are not generated."""
    functions, _ = _used_names(tables)
    called = sorted({f.name for f in snapshot.functions if f.name.lower() in functions})
    if not called:
        return None
    return (
        f"functions {', '.join(called)} of schema {snapshot.schema_name!r} are called by "
        "defaults, checks or indexes but not generated: create them (op.execute in a "
        "migration) before create_all"
    )


def create_statement(extension: str) -> str:
    """The idempotent CREATE EXTENSION, with what it requires (earthdistance needs cube)."""
    return f"CREATE EXTENSION IF NOT EXISTS {quote_ident(extension)} CASCADE"


def render_extensions(extensions: list[str], imports: Imports) -> list[str]:
    """`event.listen(SQLModel.metadata, "before_create", DDL(...))` for each extension."""
    imports.add(SA, "DDL")
    imports.add(SA, "event")
    imports.add("sqlmodel", "SQLModel")
    lines = ["# Extensions the tables use: create_all creates them first (Alembic does not)."]
    for extension in extensions:
        ddl = Call("DDL", [Str(create_statement(extension))])
        lines += lay_out(Call("event.listen", ["SQLModel.metadata", Str("before_create"), ddl]))
    return lines


def extension_note(extensions: list[str]) -> str:
    """The module note for Alembic."""
    statements = "; ".join(f"op.execute({create_statement(e)!r})" for e in extensions)
    return (
        f"extensions {', '.join(extensions)}: the module creates them before create_all; "
        f"Alembic does not, so the first migration starts with {statements}"
    )
