"""`make bench`: page weights, the results page's cost, then the survey load benchmark on
SQLite and PostgreSQL.

Writes bench/results/last.json and prints the tables bench/README.md records. Traffic goes
only to 127.0.0.1; every loop is bounded. Options: --quick (fewer phones and participants, for
a smoke run); --only PART (page_weight, results_cost or survey_load; repeatable) runs those
parts alone and keeps the other parts' last figures in last.json.
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

from bench import page_weight, results_cost, survey_load  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "last.json"
PARTS = ("page_weight", "results_cost", "survey_load")


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


def costs(run: dict[str, object]) -> str:
    lines = ["| view | requests | median ms | p90 ms | x healthz | chart values | hidden |", "|---|---|---|---|---|---|---|"]
    for m in run["measures"]:  # type: ignore[attr-defined]
        lines.append(f"| {m['name']} | {m['requests']} | {m['median_ms']} | {m['p90_ms']} | {m.get('ratio_to_healthz', '')} | {m.get('values', '')} | {m.get('hidden', '')} |")
    lines.append(f"| **ratio results (unfiltered) / healthz** | | | | **{run['ratio_results_to_healthz']}** | | |")
    return "\n".join(lines)


def survey_loads(result: dict[str, object], *, phones: int, ceiling: int, concurrency: int) -> None:
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



def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", action="append", choices=PARTS, help="run this part alone (repeatable)")
    args = parser.parse_args()
    parts = args.only or list(PARTS)
    phones, ceiling, concurrency = (60, 600, 8) if args.quick else (400, 4000, 16)
    participants, repetitions = (300, 5) if args.quick else (2000, 15)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    result: dict[str, object] = {}
    if args.only and RESULTS.exists():
        result = json.loads(RESULTS.read_text(encoding="utf-8"))  # the other parts' last figures stay
        result.setdefault("parts_at", {part: result.get("at") for part in PARTS if part in result})
    result.update({"at": at, "machine": machine()})
    parts_at = result.setdefault("parts_at", {})  # when each part was last measured
    parts_at.update({part: at for part in parts})  # type: ignore[attr-defined]

    if "page_weight" in parts:
        print("== page weight (participant pages)")
        result["page_weight"] = page_weight.run()
        print(weights(result["page_weight"]))  # type: ignore[arg-type]

    if "results_cost" in parts:
        print(f"\n== results page: {participants} participants, {repetitions} repetitions, SQLite in-process")
        result["results_cost"] = results_cost.run(participants=participants, repetitions=repetitions)
        print(costs(result["results_cost"]))  # type: ignore[arg-type]

    if "survey_load" in parts:
        survey_loads(result, phones=phones, ceiling=ceiling, concurrency=concurrency)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
