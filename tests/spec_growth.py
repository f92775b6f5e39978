"""Growth of the spec reader's time on one hostile shape, measured in a fresh interpreter.

    python -m tests.spec_growth NAME   ->   {"sizes": […], "seconds": […], "exponent": k}

k is the slope of log(time) over log(size), fitted by least squares over four sizes n, 2n, 4n,
8n: time ∝ size^k, 1 is linear, 2 quadratic. A slope over an 8x span rather than one 2x ratio,
because a CPU-time ratio on this shared machine swings by 1.5 on its own (x2.1 in one run, x3.4
in the next for the same code), and one slow reading moves a fitted slope far less.

The reads are taken in turns, smallest to largest, four rounds, the best of each size kept (a
machine slowing down for a while slows every size alike). Before them the interpreter's own
objects are frozen out of the collector (`gc.freeze()`): a full collection otherwise starts only
once the new objects reach a quarter of all live ones, so how many the reads pay for depends on
how big the heap was before (the check failed in the long test session at x3.1 to x3.5 and passed
alone). Frozen, collections pace with what the reader allocates, as in a fresh server.
"""

from __future__ import annotations

import gc
import json
import math
import sys
import time
from typing import TypedDict

from tests.adversarial_specs import SHAPES
from tools.spec.read import parse_spec

MEASURABLE_S = 0.1
ROUNDS = 4
STEPS = 4  # sizes n, 2n, 4n, 8n


class Growth(TypedDict):
    """The sizes read, the best CPU seconds of each, and the fitted exponent."""

    sizes: list[int]
    seconds: list[float]
    exponent: float


def read_seconds(text: str) -> float:
    """CPU time of one read from a collected heap (CPU, not wall: less noisy on a shared
    machine; collected: no read pays for the garbage of the one before)."""
    gc.collect()
    start = time.process_time()
    parse_spec(text)
    return time.process_time() - start


def slope(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) over log(sizes)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def measure(name: str) -> Growth:
    """For the shape `name`: from the first size n whose read is measurable (≥ 0.1 s), the
    best reading of each of n … 8n and the exponent they give."""
    shape, size, _ = SHAPES[name]
    parse_spec(shape(size // 64))  # warm-up: the parser's worker, regex compilation, caches
    gc.collect()
    gc.freeze()
    try:
        n = max(size // 64, 1)
        while read_seconds(shape(n)) < MEASURABLE_S and n < size:
            n *= 2  # a size big enough to measure, not noise
        sizes = [n * 2**i for i in range(STEPS)]
        texts = [shape(s) for s in sizes]
        best = [math.inf] * STEPS
        for _ in range(ROUNDS):
            for i, text in enumerate(texts):
                best[i] = min(best[i], read_seconds(text))
    finally:
        gc.unfreeze()
    return {"sizes": sizes, "seconds": best, "exponent": slope(sizes, best)}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
