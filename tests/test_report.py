"""The review report (server/report.py), the CLI's log levels and its progress line."""

from __future__ import annotations

import io
import logging

import pytest

from server import report
from server.cli import configure_logging, log_levels
from server.config import load_settings
from server.progress import cli_progress, terminal_progress
from tools.errors import ConfigError
from tools.findings import Finding
from tools.progress import report_progress


def item(code: str, severity: str, obj: str = "s.t", fix: str | None = None) -> Finding:
    return Finding(code=code, severity=severity, object=obj, message=f"{code} message", fix=fix)


def review(*checks: report.Check) -> report.Review:
    return report.Review("s", "postgresql://app:***@db/x", list(checks))


def check(key: str, *findings: Finding, **kw) -> report.Check:
    title, tool, gate = report.CHECKS[key]
    return report.Check(key, title, tool, gate, findings=list(findings), details="DETAILS", **kw)


DRIFT_FIX = "ALTER TABLE s.t ADD COLUMN due date;"
LEAK = item("ISO029", "error", "s.tags")


def failing() -> report.Review:
    return review(
        check("drift", item("DRIFT003", "error", fix=DRIFT_FIX), item("DRIFT004", "warning")),
        check("isolation", item("ISO001", "error", "s.a"), LEAK, item("ISO002", "warning")),
        check("indexes", item("IDX001", "warning", fix="CREATE INDEX i ON s.t (a);")),
        report.skipped("models", "review_models is not installed"),
    )


def test_text_opens_with_the_verdict_then_counts_then_top_findings():
    lines = report.render_text(failing()).splitlines()
    assert lines[1] == "FAIL: 3 error-severity findings (spec drift 1, isolation 2); 3 warnings"
    assert lines[3].split() == ["check", "errors", "warnings", "info"]
    assert lines[4].split()[:5] == ["spec", "drift", "(compare_spec_to_database)", "1", "1"]
    assert "not checked: review_models is not installed" in lines[7]
    top = [line for line in lines if line[:3] in {"1. ", "2. ", "3. "}]
    # isolation first with the proven leak, then the checks take turns
    assert [t.split(" message")[0] for t in top] == [
        "1. [isolation] ERROR ISO029 s.tags: ISO029",
        "2. [spec drift] ERROR DRIFT003 s.t: DRIFT003",
        "3. [isolation] ERROR ISO001 s.a: ISO001",
    ]
    assert lines.index("=== isolation (validate_isolation) ===") > lines.index("top findings:")


def test_index_advice_and_info_never_fail_the_gate():
    advice = review(check("indexes", item("IDX001", "error")), check("drift", item("D", "info")))
    assert advice.errors == 0 and advice.exit_status == 0
    assert advice.verdict().startswith("PASS: no error-severity findings")
    assert failing().exit_status == 1


def test_a_check_that_could_not_run_is_exit_2_and_named():
    broken = review(check("drift"), report.skipped("isolation", "timeout", "failed"))
    assert broken.exit_status == 2 and broken.verdict() == "INCOMPLETE: isolation could not run"


def test_markdown_is_a_pull_request_comment():
    text = report.render_markdown(failing())
    assert text.startswith("## ❌ pgarchitect: FAIL: 3 error-severity findings")
    assert text.index("| spec drift (`compare_spec_to_database`) | 1 | 1 | 0 |") < text.index(
        "### Top findings"
    )
    assert text.index("### Top findings") < text.index("<details>")
    assert text.count("<details>") == text.count("</details>") == 3  # one per check with findings
    assert f"```sql\n{DRIFT_FIX}\n```" in text.replace("\n  ", "\n")
    clean = report.render_markdown(review(check("drift"), check("isolation")))
    assert clean.startswith("## ✅ pgarchitect: PASS") and "<details>" not in clean


def test_markdown_fences_hold_backticks_and_spec_edits_are_not_sql():
    tricky = "add to the spec:\n```\n- due: date\n```"
    text = report.render_markdown(review(check("drift", item("DRIFT004", "warning", fix=tricky))))
    assert "````text\n" in text and "````sql" not in text


def test_markdown_stays_under_the_comment_limit():
    many = [item(f"ISO{n:03d}", "warning", f"s.t{n}", fix="x" * 400) for n in range(300)]
    text = report.render_markdown(review(check("isolation", *many)), limit=20_000)
    assert len(text) < 20_000 and "details left out" in text
    assert "### Top findings" in text


def test_json_carries_the_verdict_counts_and_top_findings():
    document = report.render_json(failing(), "9.9")
    assert document["verdict"].startswith("FAIL") and document["exit_status"] == 1
    assert document["checks"]["drift"]["counts"] == {"error": 1, "warning": 1, "info": 0}
    assert "counts" not in document["checks"]["models"]
    assert document["top"][0]["code"] == "ISO029" and document["top"][0]["check"] == "isolation"


def test_log_modules_name_other_loggers_and_unknown_levels_are_refused():
    assert log_levels("DEBUG") == {"pgarchitect": logging.DEBUG}
    assert log_levels("INFO", " httpx=debug,mcp ") == {
        "pgarchitect": logging.INFO,
        "httpx": logging.DEBUG,
        "mcp": logging.INFO,
    }
    with pytest.raises(ConfigError, match="unknown level 'LOUD'"):
        log_levels("INFO", "mcp=LOUD")


def test_debug_is_for_our_loggers_only_unless_others_are_named(monkeypatch):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    watched = ["pgarchitect", "pgarchitect.db", "markdown_it", "httpx"]
    levels = {name: logging.getLogger(name).level for name in watched}
    try:
        root.handlers = []  # basicConfig configures only a root without handlers
        monkeypatch.setenv("PGARCHITECT_LOG_LEVEL", "DEBUG")
        configure_logging(load_settings())
        assert logging.getLogger("pgarchitect.db").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("markdown_it.rules_block").isEnabledFor(logging.INFO)
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        root.handlers = []
        monkeypatch.setenv("PGARCHITECT_LOG_LEVEL", "INFO")
        monkeypatch.setenv("PGARCHITECT_LOG_MODULES", "httpx=DEBUG")
        configure_logging(load_settings())
        assert logging.getLogger("httpx").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("pgarchitect").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers, level = saved
        root.setLevel(level)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_only_on_a_terminal_and_cleared_after():
    assert terminal_progress(io.StringIO()) is None
    piped = io.StringIO()
    with cli_progress(piped):
        report_progress(1, 4, "isolation")
    assert piped.getvalue() == ""
    screen = Terminal()
    with cli_progress(screen):
        report_progress(1, 4, "isolation (validate_isolation)")
    assert screen.getvalue() == (
        "\r\x1b[Kpgarchitect: [1/4] isolation (validate_isolation)\r\x1b[K"
    )
    report_progress(2, 4, "after the block: nobody listens")  # a no-op, no error


def test_a_failing_review_at_debug_logs_ours_only(admin, pg_url, schema, tmp_path):
    """#15: DEBUG once wrote 64 KB for one failing review, mostly markdown-it's internals."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from server.demo import load_sample, sample_file

    load_sample(pg_url, schema)
    admin.execute(f'ALTER TABLE "{schema}".comments DISABLE ROW LEVEL SECURITY')  # it fails
    spec = tmp_path / "specs" / "database" / "schema.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(sample_file("schema.md"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(
        DATABASE_URL=pg_url, PGARCHITECT_PROJECT_ROOT=str(tmp_path), PGARCHITECT_LOG_LEVEL="DEBUG"
    )
    done = subprocess.run(
        [str(Path(sys.executable).parent / "pgarchitect"), "review", "--schema", schema],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    logged = [line.split(" ") for line in done.stderr.splitlines()]
    names = {words[3].rstrip(":") for words in logged if len(words) > 3 and words[2] == "DEBUG"}
    assert all(name.startswith("pgarchitect") for name in names), names
    assert "markdown_it" not in done.stderr and len(done.stderr) < 16_000, len(done.stderr)
