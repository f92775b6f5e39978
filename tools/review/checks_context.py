"""What the checks of one class need to know about the other classes and the tenancy."""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.catalog import Table
from tools.review.records import ModelClass


@dataclass
class Context:
    """What one class's checks need to know about the others and the tenancy."""

    classes: dict[str, list[ModelClass]]  # every table class read, by class name
    tables: dict[int, Table]  # model tables by id() of their class
    tenant_column: str | None = None
    tenant_root: str | None = None
    tenant_source: str = ""  # where the tenant column came from
    shared: set[str] = field(default_factory=set)
    owned: set[str] = field(default_factory=set)  # tables that carry the tenant column
    targets: dict[tuple[str, str], Table] = field(default_factory=dict)  # FK targets by key


def find_class(ctx: Context, name: str, near: ModelClass) -> ModelClass | None:
    """The class of that name nearest to `near`: in its file, then its folder, then any."""
    found = ctx.classes.get(name, [])
    folder = near.file.rpartition("/")[0]
    same_file = [c for c in found if c.file == near.file]
    same_folder = [c for c in found if c.file.rpartition("/")[0] == folder]
    nearest = same_file or same_folder or found
    return nearest[0] if nearest else None
