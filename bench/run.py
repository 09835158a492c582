"""`make bench`: page weights, then the survey load benchmark on SQLite and PostgreSQL.

Writes bench/results/last.json and prints the tables bench/README.md records. Traffic goes
only to 127.0.0.1; every loop is bounded. Options: --quick (fewer phones, for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import page_weight, survey_load  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "last.json"


def machine() -> dict[str, object]:
    mem_gb = None
    try:
        with open("/proc/meminfo") as fh:
            mem_gb = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gb": mem_gb, "python": platform.python_version(), "platform": platform.platform()}


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| database | workers | endpoint | requests | errors | per second | p50 ms | p99 ms |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        for key in ("ceiling", "phones", "submissions"):
            m = row[key]  # type: ignore[index]
            lines.append(f"| {row['database']} | {row['workers']} | {m['name']} | {m['requests']} | {m['errors']} | {m['per_second']} | {m['p50_ms']} | {m['p99_ms']} |")  # type: ignore[index]
        lines.append(f"| {row['database']} | {row['workers']} | **ratio phones / ceiling** | | | **{row['ratio_submissions_to_ceiling']}** | | |")
    return "\n".join(lines)


def weights(rows: list[dict[str, object]]) -> str:
    lines = ["| page | HTML bytes | asset bytes | first load | repeat load | under 50 KB |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['page']} | {r['html']} | {r['assets']} | {r['first_load']} | {r['repeat_load']} | {'yes' if r['under_budget'] else 'NO'} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    phones, ceiling, concurrency = (60, 600, 8) if args.quick else (400, 4000, 16)
    result: dict[str, object] = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}

    print("== page weight (participant pages)")
    result["page_weight"] = page_weight.run()
    print(weights(result["page_weight"]))  # type: ignore[arg-type]

    runs: list[dict[str, object]] = []
    print("\n== survey load: SQLite, 1 worker")
    runs.append(survey_load.sqlite_run(phones=phones, ceiling_requests=ceiling, concurrency=concurrency))
    if survey_load.postgres_available():
        for workers in (1, 2):
            print(f"== survey load: PostgreSQL, {workers} worker(s)")
            runs.append(survey_load.postgres_run(phones=phones, ceiling_requests=ceiling, concurrency=concurrency, workers=workers))
    else:
        print("PostgreSQL is not running (./scripts/test-services starts it): skipped")
    result["survey_load"] = runs
    print(table(runs))  # type: ignore[arg-type]
    for run in runs:
        assert run["stored_complete_responses"] == run["phones"]["requests"], run  # type: ignore[index]

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
