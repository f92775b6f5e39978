"""One index set: schema rules and workload advice merged, drops weighed with the creates.

Applied in the order given, the set converges: the next call asks for none of it again.
- Two proposals with the same key are one (the workload's first; the other's reason is kept).
- A create that an index which stays already serves is left out (an index being rebuilt stays;
  an index being dropped does not). An `unindexed_fk` create is served by any index, existing
  or proposed, whose first keys are the foreign key's columns in any order.
- A plain create whose keys lead another create is folded into it ("it also serves …").
- An existing plain index whose keys lead a create is redundant once the create is built: the
  create becomes a replace step that drops it.
- An index about to be dropped as unused that would serve a create stays, and the create goes.
- `max_indexes` bounds creates and replaces together; the least certain are cut first.
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.catalog.models import Index, Table
from tools.indexes.checks import touched
from tools.indexes.matching import as_index, covers, leads_with, redundant_with
from tools.indexes.models import IndexSpec, IndexSuggestion, restated, spec_of

BUILDS = ("create", "replace")
KIND_ORDER = {"create": 0, "replace": 1, "rebuild": 2, "review": 3, "drop": 4}
CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}


def key(suggestion: IndexSuggestion) -> tuple[object, ...]:
    """What makes two proposed indexes the same."""
    s = suggestion
    return (s.table, tuple(s.columns), tuple(s.include), s.predicate, s.method)


def serves(server: IndexSpec, served: IndexSpec, fk: bool) -> bool:
    """Whether the proposed `server` index does the work of the proposed `served` one."""
    size = len(served.columns)
    if server.method != "btree" or served.method != "btree" or len(server.columns) < size:
        return False
    if fk:  # a foreign key lookup: its columns first, in any order, on every row
        return server.predicate is None and set(server.columns[:size]) == set(served.columns)
    return (
        server.predicate == served.predicate
        and server.columns[:size] == served.columns
        and set(served.include) <= set(server.columns) | set(server.include)
    )


def _serves_existing(index: Index, suggestion: IndexSuggestion) -> bool:
    valid = index.model_copy(update={"valid": True})  # a rebuilt index is valid afterwards
    if suggestion.rule == "unindexed_fk":
        return leads_with(valid, suggestion.columns)
    return covers(valid, spec_of(suggestion))


def select_indexes(
    workload: list[IndexSuggestion],
    rules: list[IndexSuggestion],
    tables_of_schema: Iterable[Table],
    max_indexes: int,
    notes: list[str],
) -> list[IndexSuggestion]:
    """The advice as one set, in the order to apply it (see the module docstring)."""
    tables = {t.qualified: t for t in tables_of_schema}
    builds = [s for s in [*workload, *rules] if s.kind in BUILDS]
    others = [s for s in rules if s.kind not in BUILDS]
    others = _keep_wanted_unused(others, builds, tables)
    gone = touched([*others, *builds]) - {s.index for s in others if s.kind == "rebuild"}
    builds = [s for s in builds if not _served_by_staying(s, tables, gone)]
    builds = _fold(builds)
    builds = _bounded(builds, max_indexes, notes)
    builds = _with_replacements(builds, tables, gone)
    return sorted(
        [*builds, *others],
        key=lambda s: (KIND_ORDER[s.kind], s.rule != "workload_index", s.table, s.rule),
    )


def _staying(table: Table | None, gone: set[str]) -> Iterable[Index]:
    return [] if table is None else [i for i in table.indexes if i.name not in gone]


def _served_by_staying(
    suggestion: IndexSuggestion, tables: dict[str, Table], gone: set[str]
) -> bool:
    staying = _staying(tables.get(suggestion.table), gone | set(suggestion.replaces))
    return any(_serves_existing(index, suggestion) for index in staying)


def _keep_wanted_unused(
    others: list[IndexSuggestion], builds: list[IndexSuggestion], tables: dict[str, Table]
) -> list[IndexSuggestion]:
    """An unused index that would serve a proposed create is wanted after all: keep it."""
    wanted: set[tuple[str, str]] = set()
    for drop in others:
        if drop.rule != "unused_index" or drop.index is None:
            continue
        table = tables.get(drop.table)
        index = next((i for i in table.indexes if i.name == drop.index), None) if table else None
        if index is not None and any(_serves_existing(index, b) for b in builds):
            wanted.add((drop.table, drop.index))
    return [s for s in others if (s.table, s.index) not in wanted or s.kind != "drop"]


def _fold(builds: list[IndexSuggestion]) -> list[IndexSuggestion]:
    """Fold every build another one serves into it; with equal keys the earlier one stays."""
    position = {id(s): n for n, s in enumerate(builds)}
    removed: set[int] = set()
    for served in builds:
        fk = served.rule == "unindexed_fk"
        spec = spec_of(served)
        for server in builds:
            if server is served or id(server) in removed or server.table != served.table:
                continue
            if not serves(spec_of(server), spec, fk):
                continue
            mutual = serves(spec, spec_of(server), server.rule == "unindexed_fk")
            if mutual and position[id(served)] < position[id(server)]:
                continue  # the same index: the earlier one stays
            server.rationale += f"; it also serves {served.rule} ({served.rationale})"
            server.replaces = sorted({*server.replaces, *served.replaces})
            removed.add(id(served))
            break
    return [restated(s) if s.replaces else s for s in builds if id(s) not in removed]


def _rank(suggestion: IndexSuggestion, position: int) -> tuple[object, ...]:
    fk = suggestion.rule == "unindexed_fk" or "serves unindexed_fk" in suggestion.rationale
    return (not fk, CONFIDENCE_ORDER[suggestion.confidence], not suggestion.verified, position)


def _bounded(
    builds: list[IndexSuggestion], max_indexes: int, notes: list[str]
) -> list[IndexSuggestion]:
    """At most max_indexes builds: foreign keys, then the most certain, then the first."""
    if len(builds) <= max_indexes:
        return builds
    ranked = sorted(range(len(builds)), key=lambda n: _rank(builds[n], n))
    kept = set(ranked[:max_indexes])
    cut = len(builds) - len(kept)
    notes.append(
        f"{cut} more index suggestion{'s' if cut > 1 else ''} left out by "
        f"max_indexes={max_indexes}: raise it to see {'them' if cut > 1 else 'it'}"
    )
    return [s for n, s in enumerate(builds) if n in kept]


def _with_replacements(
    builds: list[IndexSuggestion], tables: dict[str, Table], gone: set[str]
) -> list[IndexSuggestion]:
    """A build that makes existing plain indexes redundant drops them once it is built."""
    out = []
    taken = set(gone)
    for build in builds:
        new = as_index(spec_of(build))
        redundant = [
            index.name
            for index in _staying(tables.get(build.table), taken)
            if redundant_with(index, new)
        ]
        if redundant:
            taken.update(redundant)
            build.rationale += (
                f"; it makes {', '.join(redundant)} redundant (a leading prefix of it), "
                "dropped once it is built"
            )
            build = restated(build, replaces=[*build.replaces, *redundant])
        out.append(build)
    return out
