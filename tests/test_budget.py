"""server.budget: too-large answers keep their shape and say what was cut."""

from __future__ import annotations

from server.budget import BUDGET_CHARS, fit_to_budget, json_size


def test_small_answers_are_left_alone():
    data = {"tables": [{"name": "a"}, {"name": "b"}], "fix_script": "x" * 100}
    assert fit_to_budget(data) == [] and len(data["tables"]) == 2


def test_large_answers_are_cut_to_the_budget_keeping_every_field():
    data = {
        "verdict": "not isolated",
        "tables": [
            {"table": f"t{i}", "findings": [{"message": "m" * 200} for _ in range(5)]}
            for i in range(300)
        ],
        "fix_script": "ALTER TABLE x FORCE ROW LEVEL SECURITY;\n" * 5000,
    }
    notes = fit_to_budget(data)
    assert json_size(data) <= BUDGET_CHARS
    assert data["verdict"] == "not isolated" and data["tables"] and data["fix_script"]
    assert any(note.startswith("tables: first ") and note.endswith("of 300") for note in notes)
    assert "fix_script: shortened" in notes
