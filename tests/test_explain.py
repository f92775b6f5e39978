"""explain_query: planted plan problems found, clean twins silent, compact answers."""

from __future__ import annotations

import pytest

from tools.errors import Unsupported
from tools.explain.query import MAX_NODES, PlanNode, explain_query, render_explain
from tools.explain.rules import RULES

EVENTS = """
CREATE TABLE kinds (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO kinds SELECT g, 'kind ' || g FROM generate_series(1, 10) g;
CREATE TABLE events (
    id int PRIMARY KEY, kind int NOT NULL, account_id int NOT NULL,
    a int NOT NULL, b int NOT NULL, payload text NOT NULL
);
INSERT INTO events
SELECT g, 1 + g % 10, g % 500, g % 100, g % 100, md5(g::text) FROM generate_series(1, 20000) g;
ANALYZE kinds; ANALYZE events;
"""
NO_HASH_NO_MERGE = {"enable_hashjoin": "off", "enable_mergejoin": "off"}

PLANTED = [
    pytest.param(
        "SELECT * FROM {s}.events WHERE account_id = 42", False, {}, "EXP001", id="seq-scan-big"
    ),
    pytest.param(
        "SELECT * FROM {s}.events WHERE a = 7 AND b = 7", True, {}, "EXP002", id="misestimate"
    ),
    pytest.param(
        "SELECT * FROM {s}.events ORDER BY payload",
        True,
        {"work_mem": "64kB"},
        "EXP003",
        id="sort-spill",
    ),
    pytest.param(
        "SELECT count(*) FROM {s}.events e JOIN {s}.events f ON f.payload = e.payload",
        True,
        {"work_mem": "64kB", "enable_mergejoin": "off", "enable_nestloop": "off"},
        "EXP004",
        id="hash-spill",
    ),
    pytest.param(
        "SELECT * FROM {s}.events e JOIN {s}.kinds k ON k.name = 'kind ' || e.kind",
        False,
        NO_HASH_NO_MERGE,
        "EXP005",
        id="nested-loop-pairs",
    ),
]

CLEAN = [
    pytest.param(
        "CREATE INDEX ON events (account_id)",
        "SELECT * FROM {s}.events WHERE account_id = 42",
        False,
        {},
        "EXP001",
        id="indexed-filter",
    ),
    pytest.param(
        "", "SELECT * FROM {s}.kinds WHERE name = 'kind 3'", True, {}, "EXP001", id="small-table"
    ),
    pytest.param("", "SELECT * FROM {s}.events WHERE a = 7", True, {}, "EXP002", id="one-column"),
    pytest.param(
        "",
        "SELECT * FROM {s}.events ORDER BY payload",
        True,
        {"work_mem": "64MB"},
        "EXP003",
        id="sort-in-memory",
    ),
    pytest.param(
        "",
        "SELECT count(*) FROM {s}.events e JOIN {s}.events f ON f.payload = e.payload",
        True,
        {"work_mem": "64MB", "enable_mergejoin": "off", "enable_nestloop": "off"},
        "EXP004",
        id="hash-in-memory",
    ),
    pytest.param(
        "",
        "SELECT * FROM {s}.kinds k JOIN {s}.events e ON e.id = k.id",
        True,
        NO_HASH_NO_MERGE,
        "EXP005",
        id="nested-loop-index-lookup",
    ),
]


@pytest.fixture
def events(ddl, schema: str) -> str:
    """20,000 events (account_id, correlated a and b, payload) and 10 kinds, analysed."""
    ddl(EVENTS)
    return schema


def _set_local(ro, settings: dict[str, str]) -> None:
    for name, value in settings.items():
        ro.execute("SELECT set_config(%s, %s, true)", (name, value))


@pytest.mark.parametrize(("template", "analyze", "settings", "code"), PLANTED)
def test_explain_reports_planted_problem(events, ro, template, analyze, settings, code):
    _set_local(ro, settings)
    result = explain_query(ro, template.format(s=events), analyze=analyze)
    codes = {f.code for f in result.findings if f.severity == "warning"}
    assert code in codes, render_explain(result)
    assert any(f.object.startswith(f"{events}.") for f in result.findings if f.code == code)


@pytest.mark.parametrize(("extra_ddl", "template", "analyze", "settings", "code"), CLEAN)
def test_explain_stays_silent_on_clean_twin(
    events, ddl, ro, extra_ddl, template, analyze, settings, code
):
    if extra_ddl:
        ddl(extra_ddl + f"; ANALYZE {events}.events")
    _set_local(ro, settings)
    result = explain_query(ro, template.format(s=events), analyze=analyze)
    assert code not in {f.code for f in result.findings}, render_explain(result)


def test_every_code_has_a_planted_problem():
    assert {p.values[3] for p in PLANTED} == {rule.code for rule in RULES}


def test_explain_of_a_good_query_has_no_findings(events, ro):
    result = explain_query(ro, f"SELECT * FROM {events}.events WHERE id = 5", analyze=True)
    assert result.findings == []
    assert result.plan.index == "events_pkey"
    assert result.actual_rows == 1
    assert result.execution_ms is not None and result.planning_ms is not None


def test_explain_seq_scan_finding_names_table_rows_and_next_tool(events, ro):
    result = explain_query(ro, f"SELECT * FROM {events}.events WHERE account_id = 42")
    (scan,) = [f for f in result.findings if f.code == "EXP001"]
    assert scan.object == f"{events}.events"
    assert "20,000 rows" in scan.evidence and "account_id = 42" in scan.evidence
    assert "suggest_indexes" in (scan.fix or "")
    assert any(step.startswith("suggest_indexes") for step in result.next_steps)
    assert any("analyze=True" in step for step in result.next_steps)


def test_explain_misestimate_fix_creates_statistics_that_work(admin, events, ro):
    query = f"SELECT * FROM {events}.events WHERE a = 7 AND b = 7"
    (before,) = [f for f in explain_query(ro, query, analyze=True).findings if f.code == "EXP002"]
    assert "ON a, b FROM" in (before.fix or "")
    statistics = (before.fix or "").split("the columns are correlated:\n")[1]
    admin.execute(statistics)  # our own DDL, two statements
    after = explain_query(ro, query, analyze=True)
    assert "EXP002" not in {f.code for f in after.findings}, render_explain(after)


def test_explain_gives_generic_plan_for_params(events, ddl, ro):
    ddl("CREATE INDEX events_account ON events (account_id)")
    result = explain_query(ro, f"SELECT * FROM {events}.events WHERE account_id = $1")
    assert result.generic_plan and not result.analyzed
    text = render_explain(result)
    assert "generic plan" in text and "events_account" in text and "$1" in text
    with pytest.raises(Unsupported, match=r"\$n parameter"):
        explain_query(ro, f"SELECT * FROM {events}.events WHERE account_id = $1", analyze=True)


def test_explain_plans_dml_but_never_executes_it(admin, events, ro):
    result = explain_query(ro, f"DELETE FROM {events}.events WHERE account_id = 42")
    assert result.kind == "delete" and result.plan.node == "ModifyTable"
    assert "Operation: Delete" in result.plan.details
    with pytest.raises(Unsupported, match="only SELECT is ever executed"):
        explain_query(ro, f"DELETE FROM {events}.events WHERE account_id = 42", analyze=True)
    assert admin.execute(f"SELECT count(*) FROM {events}.events").fetchone() == (20000,)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("SELECT pg_sleep(1)", id="pg-sleep"),
        pytest.param("SELECT 1; SELECT 2", id="stacked"),
        pytest.param("SELECT * FROM pg_read_file('/etc/passwd')", id="read-file"),
    ],
)
def test_explain_refuses_unsafe_query(ro, text):
    with pytest.raises(Unsupported, match="refused"):
        explain_query(ro, text, analyze=True)


def _count(node: PlanNode) -> int:
    return 1 + sum(_count(child) for child in node.children)


def test_explain_answer_stays_compact(events, ro):
    many = " UNION ALL ".join(f"SELECT {i} AS n" for i in range(100))
    result = explain_query(ro, many)
    assert result.plan_truncated and _count(result.plan) <= MAX_NODES
    join = (
        f"SELECT k.name, count(*) FROM {events}.events e JOIN {events}.kinds k ON k.id = e.kind "
        f"WHERE e.account_id < 50 GROUP BY k.name ORDER BY 2 DESC"
    )
    analyzed = explain_query(ro, join, analyze=True)
    assert len(analyzed.model_dump_json()) < 6000
    assert "Output" not in analyzed.model_dump_json()  # VERBOSE column lists are trimmed
    assert f"Seq Scan on {events}.events e" in render_explain(analyzed)


def test_unqualified_names_resolve_in_the_given_schema(ddl, ro, schema):
    ddl("CREATE TABLE widgets (id int PRIMARY KEY, name text)")
    result = explain_query(ro, "SELECT name FROM widgets WHERE id = $1", schema=schema)
    assert result.total_cost > 0 and result.generic_plan
    path = ro.execute("SELECT current_setting('search_path')").fetchone()[0]
    assert schema not in path  # restored afterwards
