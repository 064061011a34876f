"""Run every benchmark in bench/ and print one table of figures (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def run_script(path: Path) -> tuple[list[list[str]], int, float]:
    started = time.monotonic()
    process = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=1800,
                             cwd=BENCH_DIR.parent)
    rows = []
    for line in process.stdout.splitlines():
        if line.startswith("RESULT\t"):
            rows.append(line.split("\t")[1:])
        else:
            print(f"  {path.stem}: {line}")
    if process.returncode != 0:
        print(process.stderr[-3000:], file=sys.stderr)
    return rows, process.returncode, time.monotonic() - started


def main() -> int:
    scripts = sorted(BENCH_DIR.glob("*_bench.py"))
    table, failures = [], []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        rows, code, seconds = run_script(script)
        table += [[script.stem, *row] for row in rows]
        if code != 0:
            failures.append(script.name)
        print(f"   ({seconds:.0f} s)", flush=True)
    widths = [max(len(str(r[i])) for r in table + [["bench", "figure", "value", "unit", "target", "verdict"]]) for i in range(6)]
    header = ["bench", "figure", "value", "unit", "target", "verdict"]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    if failures:
        print(f"\nfailed: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
