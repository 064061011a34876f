"""Scale-out benchmark: the production deployment under 8, 16 and 32 concurrent clients for 60 s each.

Each run starts a fresh deployment (PostgreSQL, two gunicorn processes with 2 workers × 4 threads,
two scheduler processes, an SMTP sink; see tests/scaleout/harness.py) and a load of agency officers
mixing reads (web pages, API) with progress updates (web form and API, retried on conflict).
Figures per run: throughput, latency, errors, lost updates, reminder problems. ``BENCH_QUICK=1``
runs 8 clients for 10 s; ``SCALEOUT_BENCH_CLIENTS=8,16`` and ``SCALEOUT_BENCH_SECONDS`` override.
"""

from __future__ import annotations

import os

from common import quick, report

from tests.scaleout.harness import run_load, running_deployment


def main() -> int:
    clients = [8] if quick() else [int(n) for n in os.environ.get("SCALEOUT_BENCH_CLIENTS", "8,16,32").split(",")]
    seconds = 10.0 if quick() else float(os.environ.get("SCALEOUT_BENCH_SECONDS", "60"))
    all_met = True
    for n in clients:
        with running_deployment(database="postgresql") as deployment:
            result = run_load(deployment, clients=n, seconds=seconds)
        print(result.summary(), flush=True)
        for line in (result.errors + result.lost + result.reminder_problems)[:10]:
            print(f"  problem: {line}")
        stats = result.stats
        report(f"{n} clients: requests per second", stats.requests / result.seconds, "req/s")
        report(f"{n} clients: p50 latency", result.percentile(50), "ms")
        report(f"{n} clients: p95 latency", result.percentile(95), "ms")
        report(f"{n} clients: progress updates accepted", len(stats.accepted), "updates")
        report(f"{n} clients: conflicts retried", stats.conflicts, "conflicts")
        all_met &= report(f"{n} clients: errors", len(result.errors), "errors", target=0)
        all_met &= report(f"{n} clients: lost updates", len(result.lost), "updates", target=0)
        all_met &= report(f"{n} clients: reminder problems (duplicates, unsent)", len(result.reminder_problems),
                          "problems", target=0)
        report(f"{n} clients: reminder e-mails sent", result.messages, "messages")
        all_met &= report(f"{n} clients: scheduler leaders", result.leaders, "leaders", target=1)
    return 0 if all_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
