"""Enum drift: types the spec declares, missing or with other labels.

Missing labels are added in the spec's place (`ADD VALUE … AFTER`); labels only the database
has, or another order, need the type recreated: that is said, never done, since rows may use
them.
"""

from __future__ import annotations

from tools.catalog.models import SchemaSnapshot
from tools.drift.rules import RULES
from tools.findings import Finding, finding
from tools.naming import qualified
from tools.spec.model import SchemaSpec


def compare_enums(spec: SchemaSpec, wanted: SchemaSnapshot, db: SchemaSnapshot) -> list[Finding]:
    """Enums declared as types in the spec (inline enums are judged by the column types)."""
    findings = []
    db_enums = {e.name: e.values for e in db.enums}
    inline = {c.enum_name for e in spec.entities for c in e.columns if c.enum_values}
    for enum in wanted.enums:
        spec_enum = next((e for e in spec.enums if e.name == enum.name), None)
        line = f"spec line {spec_enum.line}" if spec_enum else "spec"
        values = ", ".join(map(_label, enum.values))
        target = qualified(db.schema_name, enum.name)
        where = f"{db.schema_name}.{enum.name}"
        labels = db_enums.get(enum.name)
        if labels is None:
            if enum.name not in inline:
                findings.append(
                    finding(
                        RULES["DRIFT013"],
                        where,
                        f"enum {enum.name} is in the spec but not in the database",
                        f"{line}: {values}",
                        f"CREATE TYPE {target} AS ENUM ({values});",
                    )
                )
            continue
        if labels == enum.values:
            continue
        message = (
            f"enum {enum.name} has ({', '.join(enum.values)}) in the spec but "
            f"({', '.join(labels)}) in the database"
        )
        additions = _additions(target, enum.values, labels)
        if additions:
            findings.append(
                finding(RULES["DRIFT013"], where, message, f"{line}: {values}", additions)
            )
        elif [v for v in labels if v in enum.values] == enum.values:
            extra = [v for v in labels if v not in enum.values]
            findings.append(  # the database only has more labels: rows may use them
                finding(
                    RULES["DRIFT013"],
                    where,
                    f"enum {enum.name} has labels the spec does not list: {', '.join(extra)}",
                    f"{line}: {values}; database: {', '.join(labels)}",
                    f"-- add {', '.join(extra)} to the spec; removing a label means recreating "
                    "the type",
                    severity="info",
                )
            )
        else:
            findings.append(
                finding(
                    RULES["DRIFT013"],
                    where,
                    message,
                    f"{line}: {values}",
                    "-- the labels are in another order: reordering means recreating the type",
                )
            )
    return findings


def _label(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _additions(target: str, wanted: list[str], labels: list[str]) -> str:
    """ALTER TYPE … ADD VALUE for each missing label, placed after its predecessor in the spec."""
    present = list(labels)
    statements = []
    for position, value in enumerate(wanted):
        if value in present:
            continue
        before = next((v for v in reversed(wanted[:position]) if v in present), None)
        after = next((v for v in wanted[position + 1 :] if v in present), None)
        place = (
            f" AFTER {_label(before)}"
            if before is not None
            else f" BEFORE {_label(after)}"
            if after is not None
            else ""
        )
        statements.append(f"ALTER TYPE {target} ADD VALUE IF NOT EXISTS {_label(value)}{place};")
        if before is not None:
            present.insert(present.index(before) + 1, value)
        else:
            present.insert(present.index(after) if after is not None else len(present), value)
    return " ".join(statements)
