"""Which access method and operator class serve an operator on a type: Postgres's own answer.

`fetch_operator_classes` reads pg_opclass, pg_amop and pg_am for the types the workload filters
on (one query): every operator class of each type with the operators it searches with and
those it orders by. `choose_class` picks among them, by rules a reader can check:

- nothing when a B-tree class of the type already has every operator (the B-tree path's job);
- among the GIN, GiST and SP-GiST classes holding every operator (and every ORDER BY distance
  operator, which only GiST and SP-GiST have): GIN first, then GiST, then SP-GiST; within a
  method the class with the fewest operators, the most specialised: `jsonb_path_ops` (@>, @?,
  @@) before `jsonb_ops` (those and ?, ?|, ?&), so `jsonb_ops` only when a key operator is used.

The one hand-written table is pg_trgm's, for when it is available but not installed (its
classes are then not in the catalog): `TRIGRAM_CLASSES`, checked against the catalog in the
tests. `fetch_function_types` gives the result type of the functions of expression keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from tools.catalog.snapshot import fetch_rows

SEARCH_METHODS = ("gin", "gist", "spgist")  # in order of preference
TRIGRAM = "pg_trgm"

OPERATOR_CLASSES = """
WITH wanted AS (
    SELECT w.type_name, coalesce(nullif(t.typbasetype, 0), t.oid) AS type_oid
    FROM unnest(%(types)s::text[]) AS w(type_name)
    JOIN pg_type t ON t.oid = to_regtype(w.type_name)
), typed AS (
    SELECT w.type_name, w.type_oid, t.typcategory, t.typtype
    FROM wanted w JOIN pg_type t ON t.oid = w.type_oid
)
SELECT w.type_name, am.amname AS method, opc.opcname AS name, n.nspname AS schema_name,
       opc.opcdefault AS is_default,
       coalesce(array_agg(DISTINCT o.oprname) FILTER (WHERE amop.amoppurpose = 's'), '{}')
           AS operators,
       coalesce(array_agg(DISTINCT o.oprname) FILTER (WHERE amop.amoppurpose = 'o'), '{}')
           AS ordering,
       count(DISTINCT amop.amopopr) AS operator_count
FROM typed w
JOIN pg_opclass opc ON opc.opcintype = w.type_oid
    OR (opc.opcintype = 'anyarray'::regtype AND w.typcategory = 'A')
    OR (opc.opcintype = 'anyrange'::regtype AND w.typtype = 'r')
    OR (opc.opcintype = 'anymultirange'::regtype AND w.typtype = 'm')
    OR EXISTS (SELECT 1 FROM pg_cast c WHERE c.castsource = w.type_oid
               AND c.casttarget = opc.opcintype AND c.castmethod = 'b')
JOIN pg_am am ON am.oid = opc.opcmethod
JOIN pg_namespace n ON n.oid = opc.opcnamespace
JOIN pg_amop amop ON amop.amopfamily = opc.opcfamily AND amop.amoplefttype = opc.opcintype
JOIN pg_operator o ON o.oid = amop.amopopr
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3
"""

TEXT_LIKE = """
SELECT w.type_name,
       t.oid = 'text'::regtype OR EXISTS (
           SELECT 1 FROM pg_cast c WHERE c.castsource = t.oid
           AND c.casttarget = 'text'::regtype AND c.castmethod = 'b') AS text_like
FROM unnest(%(types)s::text[]) AS w(type_name)
JOIN pg_type t ON t.oid = coalesce(
    (SELECT nullif(typbasetype, 0) FROM pg_type WHERE oid = to_regtype(w.type_name)),
    to_regtype(w.type_name))
"""

# Result type of pg_catalog functions by name and argument count, polymorphic overloads left
# out (lower(anyrange) beside lower(text)); an index expression must be immutable.
FUNCTION_TYPES = """
SELECT p.proname AS name, p.pronargs AS arg_count,
       array_agg(DISTINCT format_type(p.prorettype, NULL)) AS types,
       bool_and(p.provolatile = 'i') AS immutable
FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = ANY(%(names)s)
  AND NOT p.proretset AND t.typtype <> 'p'
GROUP BY 1, 2
"""

COMMUTATORS = """
SELECT DISTINCT o.oprname AS written, c.oprname AS indexed
FROM pg_operator o JOIN pg_operator c ON c.oid = o.oprcom
WHERE o.oprname = ANY(%(operators)s)
"""

AVAILABLE = """
SELECT name, installed_version FROM pg_available_extensions WHERE name = ANY(%(names)s)
"""


@dataclass(frozen=True)
class OperatorClass:
    """One operator class of a type: its method, and the operators it searches and orders by."""

    method: str
    name: str
    schema_name: str | None  # None: from an extension not installed yet
    default: bool
    operators: frozenset[str]
    ordering: frozenset[str] = frozenset()
    operator_count: int = 0
    extension: str | None = None  # the extension to create first, when not installed

    @property
    def qualified(self) -> str:
        """schema.name, or the bare name when the class is not installed yet."""
        return f"{self.schema_name}.{self.name}" if self.schema_name else self.name


# pg_trgm 1.6 (PostgreSQL 14+), for when it is available but not installed; pg_trgm 1.3+ has the
# same operators but = (1.6). LIKE/ILIKE are ~~ and ~~*; regular expressions ~ and ~*.
_TRIGRAM_SEARCH = frozenset({"%", "%>", "%>>", "=", "~", "~*", "~~", "~~*"})
TRIGRAM_CLASSES = (
    OperatorClass("gin", "gin_trgm_ops", None, False, _TRIGRAM_SEARCH, frozenset(), 8, TRIGRAM),
    OperatorClass(
        "gist",
        "gist_trgm_ops",
        None,
        False,
        _TRIGRAM_SEARCH,
        frozenset({"<->", "<->>", "<->>>"}),
        11,
        TRIGRAM,
    ),
)


def fetch_operator_classes(
    conn: psycopg.Connection, types: Iterable[str], trigram_available: bool
) -> dict[str, list[OperatorClass]]:
    """Per type name (as format_type writes it), its operator classes of every method.

    Text-like types get pg_trgm's classes from `TRIGRAM_CLASSES` when pg_trgm is available but
    not installed (installed, they come from the catalog like any other).
    """
    names = sorted(set(types))
    out: dict[str, list[OperatorClass]] = {name: [] for name in names}
    if not names:
        return out
    for row in fetch_rows(conn, OPERATOR_CLASSES, {"types": names}):
        out[row["type_name"]].append(
            OperatorClass(
                method=row["method"],
                name=row["name"],
                schema_name=row["schema_name"],
                default=row["is_default"],
                operators=frozenset(row["operators"]),
                ordering=frozenset(row["ordering"]),
                operator_count=row["operator_count"],
            )
        )
    if trigram_available:
        for row in fetch_rows(conn, TEXT_LIKE, {"types": names}):
            if row["text_like"]:
                out[row["type_name"]] += TRIGRAM_CLASSES
    return out


def fetch_function_types(
    conn: psycopg.Connection, names: Iterable[str]
) -> dict[tuple[str, int], tuple[str | None, bool]]:
    """Per (function, argument count): its one result type (None if several) and immutability."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    return {
        (r["name"], r["arg_count"]): (
            r["types"][0] if len(r["types"]) == 1 else None,
            r["immutable"],
        )
        for r in fetch_rows(conn, FUNCTION_TYPES, {"names": wanted})
    }


def fetch_commutators(conn: psycopg.Connection, operators: Iterable[str]) -> dict[str, str]:
    """Per operator name, the name of its commutator when every operator of that name agrees."""
    wanted = sorted(set(operators))
    if not wanted:
        return {}
    found: dict[str, set[str]] = {}
    for row in fetch_rows(conn, COMMUTATORS, {"operators": wanted}):
        found.setdefault(row["written"], set()).add(row["indexed"])
    return {name: names.pop() for name, names in found.items() if len(names) == 1}


def fetch_available(conn: psycopg.Connection, names: Iterable[str]) -> dict[str, str | None]:
    """Per extension available on the server, its installed version (None: not installed)."""
    rows = fetch_rows(conn, AVAILABLE, {"names": sorted(set(names))})
    return {r["name"]: r["installed_version"] for r in rows}


def btree_serves(classes: list[OperatorClass], operators: Iterable[str]) -> bool:
    """Whether a B-tree class of the type has every operator (then a B-tree is the answer)."""
    wanted = set(operators)
    return any(c.method == "btree" and wanted <= c.operators for c in classes)


def choose_class(
    classes: list[OperatorClass], operators: Iterable[str], ordering: Iterable[str] = ()
) -> OperatorClass | None:
    """The GIN, GiST or SP-GiST class to index with, by the rules in the module docstring."""
    search, order = set(operators), set(ordering)
    if not order and btree_serves(classes, search):
        return None
    fitting = [
        c
        for c in classes
        if c.method in SEARCH_METHODS and search <= c.operators and order <= c.ordering
    ]
    if not fitting:
        return None
    return min(
        fitting,
        key=lambda c: (SEARCH_METHODS.index(c.method), c.operator_count, not c.default, c.name),
    )
