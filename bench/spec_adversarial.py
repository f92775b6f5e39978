"""Benchmark the spec reader on hostile specs (issue #13): each within 1 s, time growing linearly.

For each shape of tests/adversarial_specs.py (a 1 MB line, 5,000 columns, 100,000 headings, a
48 KB header row, 10,000 nested brackets, 990 KB of SQL…) prints the wall time at half and at full
size, the full-size time as a ratio of the 1 s target, the growth (time(n) / time(n/2): ~2 is
linear, ~4 quadratic) and the time per KB as a ratio of a normal 25 KB spec's, run in the same
process as the baseline.

    .venv/bin/python bench/spec_adversarial.py [substring of a shape's name]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spec import spec_25kb

from tests.adversarial_specs import SHAPES
from tools.spec.read import parse_spec

TARGET_S = 1.0


def seconds(text: str, repeat: int = 2) -> float:
    """Best wall seconds of parse_spec over `repeat` runs (SQL is parsed in a worker process)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        parse_spec(text)
        runs.append(time.perf_counter() - start)
    return min(runs)


def main() -> None:
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    normal = spec_25kb()
    parse_spec(normal)  # warm-up: imports, regex compilation, the SQL parser's worker
    per_kb = seconds(normal, repeat=7) / (len(normal) / 1000)
    print(f"baseline: a normal {len(normal) / 1000:.0f} KB spec, {per_kb * 1e6:.0f} µs per KB")
    for name, (shape, size, unit) in SHAPES.items():
        if wanted not in name:
            continue
        half = seconds(shape(size // 2))
        text = shape(size)
        full = seconds(text)
        growth = full / half if half > 0 else float("nan")
        kb_ratio = (full / (len(text) / 1000)) / per_kb
        print(
            f"{name:32} {size:>9,} {unit:8} {full:7.3f} s = {full / TARGET_S:5.2f}x target, "
            f"growth x{growth:4.2f} for 2x size, {kb_ratio:6.1f}x baseline per KB"
        )


if __name__ == "__main__":
    main()
