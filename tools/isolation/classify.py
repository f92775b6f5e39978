"""Classification: which tables belong to a tenant, directly, through foreign keys, or not at all.

`classify_tables` sorts tables into tenant root, tenant-owned, indirectly owned, shared and
unclassified, and reads every policy expression once (`tools.isolation.policy_expr`). The
`Context` it fills is what every check of `tools.isolation` takes.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field, replace

import pglast

from tools.catalog.models import ForeignKey, Function, SchemaSnapshot, Table, View
from tools.isolation.policy_expr import ExprAnalysis, PolicyContext, analyze_policy_expr
from tools.naming import qualified

PROTECTED = ("tenant root", "tenant-owned", "indirectly owned")
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass
class Classified:
    """A table with its class, the columns that identify the tenant, and how it got there."""

    table: Table
    table_class: str
    key_columns: set[str] = field(default_factory=set)
    hops: list[Hop] = field(default_factory=list)
    other_paths: list[list[Hop]] = field(default_factory=list)
    pattern: str | None = None
    analyses: dict[str, tuple[ExprAnalysis, ExprAnalysis]] = field(default_factory=dict)

    @property
    def protected(self) -> bool:
        return self.table_class in PROTECTED

    @property
    def path(self) -> list[str]:
        """The ownership path (indirectly owned tables), one label per foreign key."""
        return [hop.label for hop in self.hops]


@dataclass
class Context:
    """What every check needs: the snapshot, the tenancy answer and a predicate to propose."""

    snapshot: SchemaSnapshot
    tenant_column: str | None
    root: str | None
    predicate: str
    classes: dict[str, Classified] = field(default_factory=dict)
    # schema-wide facts the fixes need, built once (not once per finding)
    _names: set[str] | None = field(default=None, init=False, repr=False)
    _cascades: dict[str, list[str]] | None = field(default=None, init=False, repr=False)

    def relation_names(self) -> set[str]:
        """Names taken in the schema's relation namespace (tables, views, indexes)."""
        if self._names is None:
            snapshot = self.snapshot
            self._names = {t.name for t in snapshot.tables} | {v.name for v in snapshot.views}
            self._names |= {i.name for t in snapshot.tables for i in t.indexes}
        return self._names

    def table(self, name: str) -> Table | None:
        """A table of the schema by name, without scanning the snapshot."""
        item = self.classes.get(name)
        return item.table if item else self.snapshot.table(name)

    def cascades_into(self) -> dict[str, list[str]]:
        """Table → the tables whose ON DELETE CASCADE foreign keys point at it."""
        if self._cascades is None:
            self._cascades = defaultdict(list)
            for child in self.snapshot.tables:
                for fk in child.foreign_keys:
                    if fk.ref_schema == self.snapshot.schema_name and fk.on_delete == "CASCADE":
                        self._cascades[fk.ref_table].append(child.name)
        return self._cascades


def pins_tenant(item: Classified, analysis: ExprAnalysis) -> bool:
    """Whether an expression ties the tenant key (without one: any row column) to the session."""
    if not item.key_columns:
        return analysis.restricts
    return analysis.restricts and bool(item.key_columns & analysis.bound_columns)


def ddl_name(relation: Table | View) -> str:
    """schema.name of a table or view, quoted for DDL as the server's quote_ident() does."""
    return qualified(relation.schema_name, relation.name)


def schema_context(snapshot: SchemaSnapshot) -> PolicyContext:
    """The facts about the whole schema that policy analysis needs (built once per schema)."""
    return PolicyContext(
        table="",
        columns=frozenset(),
        tables={t.name: frozenset(c.name for c in t.columns) for t in snapshot.tables},
        helpers=frozenset(f.name for f in snapshot.functions if is_session_helper(f)),
        schema=snapshot.schema_name,
        functions=frozenset(f.name for f in snapshot.functions),
    )


def policy_context(schema: PolicyContext, table: Table) -> PolicyContext:
    """The schema's facts narrowed to one table."""
    return replace(schema, table=table.name, columns=schema.tables[table.name])


def is_session_helper(function: Function) -> bool:
    """A function that ties its answer to the session: SECURITY DEFINER or reads a binding."""
    return function.security_definer or bool(session_words(function.source or ""))


def session_words(source: str) -> set[str]:
    """Session bindings a function body uses, found with the SQL scanner (not regexes)."""
    try:
        tokens = pglast.parser.scan(source)
    except pglast.parser.ParseError:
        return set()
    words = {source[t.start : t.end + 1].lower() for t in tokens}
    return words & {"current_setting", "current_user", "session_user", "auth"}


def analyze_policies(
    schema: PolicyContext, table: Table
) -> dict[str, tuple[ExprAnalysis, ExprAnalysis]]:
    """USING and WITH CHECK analyses for each policy of the table, by policy name."""
    context = policy_context(schema, table)
    return {
        p.name: (analyze_policy_expr(p.using, context), analyze_policy_expr(p.with_check, context))
        for p in table.policies
    }


def _intentional_pattern(table: Table, analyses: dict) -> str | None:
    """Deny-all and public read-only tables: RLS on purpose, not a leak."""
    if not table.rls_enabled:
        return None
    if not table.policies:
        return "deny-all (RLS enabled, no policy)"
    readers = [p for p in table.policies if p.command == "SELECT"]
    if len(readers) == len(table.policies) and all(
        analyses[p.name][0].always_true or not analyses[p.name][0].bindings for p in readers
    ):
        return "public read-only (SELECT policies only)"
    return None


@dataclass(frozen=True)
class Hop:
    """One NOT NULL foreign key on the way from a table to its tenant: `table`.columns → parent."""

    table: str
    fk: ForeignKey

    @property
    def label(self) -> str:
        return f"{self.table}.{','.join(self.fk.columns)} → {self.fk.ref_table}"

    @property
    def cascades(self) -> bool:
        """ON DELETE CASCADE: the row dies with its parent, the schema's mark of ownership."""
        return self.fk.on_delete == "CASCADE"


def path_text(hops: list[Hop]) -> str:
    """A path as text: its hops' labels joined by '; '."""
    return "; ".join(hop.label for hop in hops)


def _hops_out(snapshot: SchemaSnapshot, table: Table) -> list[Hop]:
    """The table's NOT NULL foreign keys to other tables of the schema, in declaration order."""
    out = []
    for fk in table.foreign_keys:
        if fk.ref_schema != snapshot.schema_name or fk.ref_table == table.name:
            continue
        columns = [table.column(c) for c in fk.columns]
        if all(c is not None and not c.nullable for c in columns):
            out.append(Hop(table.name, fk))
    return out


def _ways_to_owners(snapshot: SchemaSnapshot, owners: set[str]) -> dict[str, Hop | None]:
    """For every table that reaches an owner through NOT NULL foreign keys, the first hop of its
    best way there (fewest non-cascading hops, then fewest hops); None for the owners.

    One Dijkstra from all owners at once over the reversed foreign keys, so the whole schema
    costs O(E log V) however many tables are indirectly owned.
    """
    into: dict[str, list[Hop]] = defaultdict(list)
    for table in snapshot.tables:
        for hop in _hops_out(snapshot, table):
            into[hop.fk.ref_table].append(hop)
    best: dict[str, tuple[tuple[int, int], Hop | None]] = {o: ((0, 0), None) for o in owners}
    heap = [((0, 0), name) for name in sorted(owners)]
    done: set[str] = set()
    while heap:
        cost, name = heapq.heappop(heap)
        if name in done:
            continue
        done.add(name)
        for hop in into.get(name, ()):
            new = (cost[0] + (not hop.cascades), cost[1] + 1)
            if hop.table not in best or new < best[hop.table][0]:
                best[hop.table] = (new, hop)
                heapq.heappush(heap, (new, hop.table))
    return {name: hop for name, (_, hop) in best.items()}


def _owner_paths(
    snapshot: SchemaSnapshot, table: Table, ways: dict[str, Hop | None]
) -> list[list[Hop]]:
    """One path to a tenant table per NOT NULL foreign key of the table, the ownership first:
    NOT NULL and ON DELETE CASCADE, then NOT NULL; fewer non-cascading hops, then fewer hops."""
    ranked = []
    for order, first in enumerate(_hops_out(snapshot, table)):
        if first.fk.ref_table not in ways:
            continue
        path, node = [first], first.fk.ref_table
        while node != table.name and (hop := ways[node]) is not None:
            path.append(hop)
            node = hop.fk.ref_table
        if node == table.name:
            continue  # its best way leads back through this table
        rank = (not first.cascades, sum(not h.cascades for h in path), len(path), order)
        ranked.append((rank, path))
    return [path for _, path in sorted(ranked, key=lambda pair: pair[0])]


def classify_tables(ctx: Context, shared: set[str]) -> dict[str, Classified]:
    """Every table with its class (see PROTECTED) and policy analyses."""
    snapshot, column = ctx.snapshot, ctx.tenant_column
    owned = {t.name for t in snapshot.tables if column and t.column(column) is not None}
    owners = owned - shared | ({ctx.root} if ctx.root else set())
    out: dict[str, Classified] = {}
    schema = schema_context(snapshot)
    ways = _ways_to_owners(snapshot, owners)
    for table in snapshot.tables:
        analyses = analyze_policies(schema, table)
        item = Classified(table=table, table_class="unclassified", analyses=analyses)
        if table.name in shared:
            item.table_class, item.pattern = "shared", "declared shared"
        elif table.name == ctx.root:
            item.table_class = "tenant root"
            pk = table.primary_key.columns if table.primary_key else []
            item.key_columns = set(pk) | ({column} if column in owned else set())
        elif column and table.name in owned:
            item.table_class, item.key_columns = "tenant-owned", {column}
        elif paths := _owner_paths(snapshot, table, ways):
            item.table_class, item.hops, item.other_paths = "indirectly owned", paths[0], paths[1:]
        elif pattern := _intentional_pattern(table, analyses):
            item.table_class, item.pattern = "shared", pattern
        out[table.name] = item
    return out
