"""The parser over our own corpus (tests/specs, with expected results) and the real one in shared/.

Each `tests/specs/NN-name.md` has `NN-name.expected.json`: the structured result, summarised.
Regenerate after a deliberate change with `UPDATE_SPEC_EXPECTED=1 pytest tests/test_spec_corpus.py`
and review the diff: the expected files are the specification of the parser.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED
from tools.spec.model import SchemaSpec
from tools.spec.read import column_text, parse_spec, spec_to_snapshot

SPECS = Path(__file__).parent / "specs"
REAL = SHARED / "corpus" / "specs"


def summarize(spec: SchemaSpec) -> dict[str, Any]:
    """The parts of a parsed spec the corpus pins down."""
    return {
        "tables": {e.name: [column_text(c) for c in e.columns] for e in spec.entities},
        "external": spec.external_tables,
        "future": {e.name: [column_text(c) for c in e.columns] for e in spec.future},
        "indexes": sorted(
            f"{i.table}({', '.join(i.columns)})"
            + (" unique" if i.unique else "")
            + (f" where {i.where}" if i.where else "")
            + (" future" if i.future else "")
            for i in spec.indexes
        ),
        "constraints": sorted(
            f"{c.table} {c.kind} ({', '.join(c.columns)})"
            + (f" {c.expression}" if c.expression else "")
            for c in spec.constraints
            if c.kind != "rule"
        ),
        "enums": {e.name: e.values for e in spec.enums},
        "relationships": sorted(
            f"{r.from_table} {r.kind} {r.to_table}" for r in spec.relationships
        ),
        "policies": [f"{p.table}.{p.name}" for p in spec.policies],
        "objects": sorted(
            [
                f"function {f.name}" + (f" returns {f.returns}" if f.returns else "")
                for f in spec.functions
            ]
            + [f"trigger {t.name} on {t.table}" for t in spec.triggers]
            + [f"{'materialized ' if v.materialized else ''}view {v.name}" for v in spec.views]
        ),
        "tenant_column": spec.tenant_column,
        "shared_tables": spec.shared_tables,
        "dialects": spec.dialects,
        "warnings": [f"{w.line}: {w.message}" for w in spec.warnings],
    }


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


CORPUS = sorted(SPECS.glob("*.md"))


def test_own_corpus_has_a_dozen_varied_specs() -> None:
    assert len(CORPUS) >= 12
    assert all(p.with_suffix(".expected.json").exists() for p in CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_spec_corpus_gives_expected_result(path: Path) -> None:
    spec = parse_spec(_read(path), path.name)
    got = summarize(spec)
    expected_path = path.with_suffix(".expected.json")
    if os.environ.get("UPDATE_SPEC_EXPECTED"):
        expected_path.write_text(
            json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))
    assert not [w for w in spec.warnings if w.message.startswith("line not read (")]
    assert spec.unread_lines == 0, [w for w in spec.warnings if "section of" in w.message]
    snapshot = spec_to_snapshot(spec)
    assert {t.name for t in snapshot.tables} == {e.name for e in spec.entities if not e.external}


def test_crlf_file_really_has_crlf_and_no_final_newline() -> None:
    data = (SPECS / "06-crlf-no-final-newline.md").read_bytes()
    assert b"\r\n" in data and not data.endswith(b"\n")


# --- the real corpus (public specs, read in place; skipped when absent) ------------------------

REAL_FILES = sorted(REAL.glob("*.md")) if REAL.is_dir() else []
# A line "looks like a column" when it is a bullet or table row starting with an identifier
# followed by a type-ish separator; such lines in a table section must be read or warned about.
_COLUMNISH = re.compile(r"^\s*(?:[-*]|\d+\.)\s+`?\*{0,2}`?[a-z_][a-z0-9_]*`?\*{0,2}`?\s*[:(]")


@pytest.mark.skipif(not REAL_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", REAL_FILES, ids=[p.stem[:24] for p in REAL_FILES])
def test_real_spec_parses_without_crash(path: Path) -> None:
    text = _read(path)
    spec = parse_spec(text, path.name)
    assert spec.entities, "no table found"
    assert not [w for w in spec.warnings if w.message.startswith("line not read (")]
    for entity in spec.entities:
        assert entity.columns or entity.external, entity.name
    read_lines = {c.line for e in spec.entities + spec.future for c in e.columns}
    read_lines |= {i.line for i in spec.indexes} | {c.line for c in spec.constraints}
    read_lines |= {r.line for r in spec.relationships}
    warned = {w.line for w in spec.warnings}
    spec_to_snapshot(spec)
    assert all(w.line >= 0 for w in spec.warnings)
    assert read_lines | warned  # something was read


# Every table each real spec defines, by our own reading of the file (functions, views,
# request/response models and tables "similar to above" with no column listed are not tables).
REAL_TABLES = {
    "01-": {"users", "tasks"},
    "02-": {"users", "tasks"},
    "03-": {"users", "tasks"},
    "04-": {"users", "tasks"},
    "05-": {"users", "tasks"},
    "06-": {"users", "tasks"},
    "07-": {
        "users",
        "profiles",
        "profile_external_links",
        "oauth_accounts",
        "personal_access_tokens",
        "teams",
        "team_members",
        "role_definitions",
        "team_condition_settings",
        "team_invitations",
        "projects",
        "project_teams",
        "project_role_assignments",
        "project_role_assignment_owners",
        "team_project_performance_daily",
        "issue_templates",
        "issue_template_items",
        "issues",
        "issue_teams",
        "issue_template_item_values",
        "issue_assignees",
        "issue_definition_of_dones",
        "issue_work_logs",
        "issue_status_events",
        "issue_role_assignments",
        "issue_role_assignment_owners",
        "alerts",
        "alert_logs",
        "action_plans",
        "alert_action_plan_suggestions",
        "survey_templates",
        "survey_questions",
        "survey_question_options",
        "survey_settings",
        "survey_setting_times",
        "surveys",
        "survey_answers",
        "trigger_definitions",
        "trigger_execution_logs",
    },
    "08-": {"user", "task"},
    "09-": {
        "accounts",
        "notes",
        "remote_accounts",
        "follows",
        "activities",
        "likes",
        "boosts",
        "relays",
        "notifications",
        "info_boxes",
        "delivery_queue",
        "hashtags",
        "note_hashtags",
        "note_mentions",
    },
    "10-": {
        "users",
        "daily_checkins",
        "tasks",
        "micro_actions",
        "user_micro_action_feedback",
        "focus_sessions",
        "subscriptions",
        "recommendation_logs",
        "first_step_logs",
        "usage_counters",
    },
    "11-": {"tasks", "conversations", "messages"},
    "12-": {"users", "tasks"},
    "13-": {"task"},
    "14-": {"tasks"},
    "15-": {"tasks", "users", "conversations", "chat_messages"},
    "16-": {"users", "tasks", "conversations", "messages"},
    "17-": {"users", "tasks", "conversations", "messages"},
    "18-": {"users", "accounts", "sessions", "verification_tokens", "tasks"},
    "19-": {
        "tenants",
        "users",
        "invoices",
        "fiscal_deadlines",
        "agent_events",
        "categorization_feedback",
        "bank_accounts",
        "bank_transactions",
        "expense_policies",
        "expenses",
        "assets",
        "withholding_taxes",
        "stamp_duties",
        "accruals_deferrals",
        "f24_documents",
        "digital_preservation",
        "cu_certificates",
        "budgets",
    },
    "20-": {"users", "tasks"},
    "21-": {"users", "tasks"},
    "22-": {"user", "task"},
    "23-": {"users", "tasks"},
    "24-": {"users", "tasks", "conversations", "messages"},
    "25-": {"users", "tasks"},
    "26-": {"users", "tasks", "conversations", "messages"},
    "27-": {
        "User",
        "Account",
        "Session",
        "VerificationToken",
        "PasswordResetToken",
        "Role",
        "Post",
        "Category",
        "Tag",
        "PostTag",
        "SeoMeta",
        "Media",
        "MediaFolder",
        "Plan",
        "Subscription",
        "Setting",
        "Redirect",
        "ActivityLog",
        "Notification",
        "NotificationPreference",
        "EmailTemplate",
        "EmailLog",
        "PageView",
        "Backup",
    },
    "28-": {
        "creators",
        "students",
        "videos",
        "video_chunks",
        "courses",
        "course_modules",
        "module_lessons",
        "chat_sessions",
        "chat_messages",
        "video_analytics",
        "video_analytics_events",
        "video_watch_sessions",
        "usage_metrics",
    },
    "29-": {"profiles", "tickets", "comments", "history"},
    "30-": {
        "accounts",
        "projects",
        "sessions",
        "team_members",
        "teams",
        "users",
        "verification_tokens",
        "work_categories",
        "work_logs",
    },
}

_REQUEST_MODEL = re.compile(r"_(create|update|read|response|request|payload|dto|in|out|public)$")


@pytest.mark.skipif(not REAL_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", REAL_FILES, ids=[p.stem[:24] for p in REAL_FILES])
def test_real_spec_reads_every_table_it_defines_and_nothing_else(path: Path) -> None:
    spec = parse_spec(_read(path), path.name)
    names = {e.name for e in spec.entities}
    wanted = next(v for k, v in REAL_TABLES.items() if path.name.startswith(k))
    assert names == wanted, (sorted(wanted - names), sorted(names - wanted))
    objects = (
        {f.name for f in spec.functions}
        | {v.name for v in spec.views}
        | {t.name for t in spec.triggers}
    )
    assert not names & objects
    assert not [n for n in names if _REQUEST_MODEL.search(n)]


def test_real_tables_cover_the_thirty_shared_specs() -> None:
    assert len(REAL_TABLES) == 30


@pytest.mark.skipif(not REAL_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", REAL_FILES, ids=[p.stem[:24] for p in REAL_FILES])
def test_real_spec_column_lines_are_read_or_warned(path: Path) -> None:
    """Every bullet that looks like `name: …` inside a table section is a column or a warning."""
    text = _read(path)
    spec = parse_spec(text, path.name)
    read = {c.line for e in spec.entities + spec.future for c in e.columns}
    read |= {i.line for i in spec.indexes} | {c.line for c in spec.constraints}
    read |= {r.line for r in spec.relationships}
    warned = {w.line for w in spec.warnings}
    sections = [e.line for e in spec.entities + spec.future]
    lines = text.splitlines()
    unread = []
    for number, line in enumerate(lines, 1):
        if not _COLUMNISH.match(line) or number in read or number in warned:
            continue
        owner = max((s for s in sections if s <= number), default=0)
        entity = next((e for e in spec.entities + spec.future if e.line == owner), None)
        if entity is None or not any(abs(c.line - number) < 25 for c in entity.columns):
            continue  # prose far from any table definition
        name = re.sub(r"[`*]", "", line).strip("-*0123456789. ").split(":")[0].split("(")[0].strip()
        plain = re.sub(r"[`*]", "", line).strip().lstrip("-*0123456789. ").strip()
        if entity.column(name) is not None or any(
            plain in re.sub(r"[`*]", "", n) for n in entity.notes
        ):
            continue
        unread.append(f"{number}: {line.strip()}")
    assert not unread, unread
