"""Shared by the benchmark scripts: one way to print a figure so `make bench` can tabulate it.

A script prints its own narrative and, for each figure, one line
``RESULT<TAB>name<TAB>value<TAB>unit<TAB>target<TAB>verdict`` written by :func:`report`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def report(name: str, value: float, unit: str, *, target: float | None = None, lower_is_better: bool = True) -> bool:
    """Print one figure with its target; return whether the target is met (True when there is none)."""
    met = True
    if target is not None:
        met = value <= target if lower_is_better else value >= target
    comparison = "" if target is None else (f"<= {target:g}" if lower_is_better else f">= {target:g}")
    verdict = "" if target is None else ("met" if met else "MISSED")
    print(f"RESULT\t{name}\t{value:.2f}\t{unit}\t{comparison}\t{verdict}", flush=True)
    return met


def quick() -> bool:
    """BENCH_QUICK=1 shrinks datasets and durations (used by the test suite's smoke run)."""
    return os.environ.get("BENCH_QUICK") == "1"
