"""analyze_policy_expr: what a policy expression (as pg_get_expr renders it) filters on."""

from __future__ import annotations

import pytest

from tools.isolation.policy_expr import PolicyContext, analyze_policy_expr
from tools.isolation.policy_fixes import wrap_session_calls

CONTEXT = PolicyContext(
    table="tasks",
    columns=frozenset({"id", "org_id", "owner", "project_id", "name"}),
    tables={"members": frozenset({"org_id", "user_name"}), "projects": frozenset({"id", "org_id"})},
    helpers=frozenset({"is_member"}),
    schema="app",
    functions=frozenset({"is_member", "lookup"}),
)
SETTING = "(current_setting('app.tenant_id'::text, true))::uuid"


@pytest.mark.parametrize(
    ("text", "bound", "binding"),
    [
        pytest.param(f"(org_id = {SETTING})", {"org_id"}, "current_setting", id="setting"),
        pytest.param("(org_id = ( SELECT auth.uid() AS uid))", {"org_id"}, "auth.uid", id="auth"),
        pytest.param("((CURRENT_USER)::text = owner)", {"owner"}, "current_user", id="user"),
        pytest.param(f"(org_id = ANY (ARRAY[{SETTING}]))", {"org_id"}, "current", id="any"),
        pytest.param(
            "(org_id IN ( SELECT members.org_id FROM members WHERE "
            "(members.user_name = CURRENT_USER)))",
            {"org_id"},
            "current_user",
            id="in-subquery",
        ),
        pytest.param(
            "(EXISTS ( SELECT 1 FROM projects p WHERE ((p.id = tasks.project_id) AND "
            f"(p.org_id = {SETTING}))))",
            {"project_id"},
            "current_setting",
            id="exists",
        ),
        pytest.param("is_member(org_id)", {"org_id"}, "helper is_member", id="helper"),
        pytest.param("(is_member(org_id) = true)", {"org_id"}, "helper", id="helper-true"),
        pytest.param(
            f"((org_id = {SETTING}) AND (name <> 'x'::text))", {"org_id"}, "current", id="and"
        ),
    ],
)
def test_policy_expr_binds_row_columns_to_the_session(text, bound, binding):
    analysis = analyze_policy_expr(text, CONTEXT)
    assert analysis.restricts and analysis.bound_columns == bound
    assert any(b.startswith(binding) for b in analysis.bindings), analysis.bindings


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("true", id="true"),
        pytest.param("(org_id IS NOT NULL)", id="not-null"),
        pytest.param("(org_id = org_id)", id="self"),
        pytest.param(f"(org_id <> {SETTING})", id="not-equal"),
        pytest.param(f"(NOT (org_id = {SETTING}))", id="not"),
        pytest.param(f"((org_id = {SETTING}) OR (name = 'public'::text))", id="or-open"),
        pytest.param("(auth.role() = 'authenticated'::text)", id="session-only"),
        pytest.param("lookup(org_id)", id="known-non-helper"),
    ],
)
def test_policy_expr_does_not_restrict(text):
    assert not analyze_policy_expr(text, CONTEXT).restricts


def test_policy_expr_reports_unset_behaviour_and_per_row_calls():
    raising = analyze_policy_expr("(org_id = current_setting('app.tenant_id')::uuid)", CONTEXT)
    assert raising.unset_behaviour == {"current_setting('app.tenant_id')": "raises"}
    assert raising.per_row_calls == ["current_setting('app.tenant_id')"]
    wrapped = analyze_policy_expr(f"(org_id = ( SELECT {SETTING}))", CONTEXT)
    assert wrapped.per_row_calls == []
    assert wrapped.unset_behaviour == {"current_setting('app.tenant_id')": "null"}
    fallback = analyze_policy_expr(f"(org_id = COALESCE({SETTING}, org_id))", CONTEXT)
    assert fallback.restricts and fallback.unset_matches_all
    disjunct = analyze_policy_expr(f"(({SETTING} IS NULL) OR (org_id = {SETTING}))", CONTEXT)
    assert disjunct.unset_matches_all and not disjunct.restricts


def test_policy_expr_survives_what_it_cannot_parse():
    analysis = analyze_policy_expr("org_id = = 1", CONTEXT)
    assert analysis.parse_error and not analysis.restricts


def test_wrap_session_calls_rewrites_through_the_parse_tree():
    text = wrap_session_calls("((auth.uid() = owner) AND (org_id = ( SELECT auth.uid())))")
    assert text == "(SELECT auth.uid()) = owner AND org_id = (SELECT auth.uid())"
