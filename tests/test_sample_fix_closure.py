"""The demo's own advice converges on the sample schema it loads (#11): what `pgarchitect demo`
says it proved is proven here.

The sample (resources/sample/schema.sql) is loaded into a scratch schema; validate_isolation's
fix script (with the sample's spec, as the demo runs it) and suggest_indexes' advice are each
applied with `psql -v ON_ERROR_STOP=1 -f` and the tool run again: what it fixed is gone, nothing
new, the second round empty (the assertions of tests/test_isolation_fix_closure.py and
tests/test_indexes_fix_closure.py); and the isolation fixes give suggest_indexes nothing new.
"""

from __future__ import annotations

from pathlib import Path

from server.demo import PROVEN_BY, SAMPLE_ROLE, SAMPLE_SETTING, load_sample, sample_file
from tests.test_drift_fix_closure import assert_converges as assert_drift_converges
from tests.test_drift_fix_closure import compare, serious
from tests.test_indexes_fix_closure import advise
from tests.test_indexes_fix_closure import assert_converges as assert_advice_converges
from tests.test_isolation_fix_closure import apply, check
from tests.test_isolation_fix_closure import assert_converges as assert_fixes_converge
from tools.indexes import render_indexes
from tools.spec.read import parse_spec


def test_isolation_fix_script_converges_on_the_sample(pg_url, schema, tmp_path):
    load_sample(pg_url, schema)
    spec = parse_spec(sample_file("schema.md"), "schema.md")
    before, after = assert_fixes_converge(
        pg_url, schema, tmp_path, spec=spec, app_role=SAMPLE_ROLE, tenant_setting=SAMPLE_SETTING
    )
    assert before.verdict == "not isolated" and before.fix_script
    assert after.counts.get("error", 0) == 0, after.counts


def test_isolation_fixes_give_the_other_tools_nothing_new_on_the_sample(pg_url, schema, tmp_path):
    # The composite keys the isolation fix writes come with their index, and the tenant index
    # it would add beside one that leads with the tenant column is left out (#11).
    load_sample(pg_url, schema)
    spec_text = sample_file("schema.md")
    before = {(s.code, s.table, tuple(s.columns)) for s in advise(pg_url, schema).suggestions}
    drift_before = serious(compare(pg_url, schema, spec_text))
    apply(pg_url, check(pg_url, schema).fix_script, tmp_path)
    after = advise(pg_url, schema)
    new = [s for s in after.suggestions if (s.code, s.table, tuple(s.columns)) not in before]
    assert new == [], render_indexes(after)
    assert serious(compare(pg_url, schema, spec_text)) <= drift_before


def test_index_advice_converges_on_the_sample(pg_url, schema, tmp_path):
    load_sample(pg_url, schema)
    first = assert_advice_converges(pg_url, schema, tmp_path)
    assert first.suggestions


def test_drift_fix_script_converges_on_the_sample(pg_url, schema, tmp_path):
    load_sample(pg_url, schema)
    assert_drift_converges(pg_url, schema, sample_file("schema.md"), tmp_path)


def test_the_demo_names_this_file_and_the_planted_defect_ones():
    root = Path(__file__).resolve().parents[1]
    assert (root / PROVEN_BY).resolve() == Path(__file__).resolve()
    assert {p.name for p in root.glob("tests/test_*_fix_closure.py")} >= {
        "test_isolation_fix_closure.py",
        "test_indexes_fix_closure.py",
        "test_drift_fix_closure.py",
    }
