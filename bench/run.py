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
    lines = [
        "| database | workers | endpoint | requests | errors | per second | x bare | p50 ms | p99 ms | server CPU ms | x bare (CPU) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        for key in ("bare", "healthz", "join", "phones", "submissions"):
            m = row[key]  # type: ignore[index]
            share = m.get("fraction_of_bare", 1.0 if key == "bare" else "")  # type: ignore[union-attr]
            cpu_share = m.get("cpu_fraction_of_bare", 1.0 if key == "bare" else "")  # type: ignore[union-attr]
            cpu = m.get("server_cpu_ms", "") if key != "submissions" else ""  # type: ignore[union-attr]
            if key == "phones":
                share, cpu_share = f"**{share}**", f"**{cpu_share}**"
            lines.append(
                f"| {row['database']} | {row['workers']} | {m['name']} | {m['requests']} | {m['errors']} | {m['per_second']} | {share} "  # type: ignore[index]
                f"| {m['p50_ms']} | {m['p99_ms']} | {cpu} | {cpu_share} |"  # type: ignore[index]
            )
    return "\n".join(lines)


def bursts(rows: list[dict[str, object]]) -> str:
    lines = [
        "| database | workers | presses | phones | acknowledged | errors | p50 ms | p99 ms | max ms | server CPU ms each | stored once, complete |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        s = row["stored"]
        once = "yes" if s["found"] == s["acknowledged"] and not s["duplicated"] and not s["not_complete"] else "NO"  # type: ignore[index]
        for key, presses in (("burst", "same instant"), ("burst_spread", "within 1 s")):
            b = row.get(key)
            if not b:
                continue
            lines.append(
                f"| {row['database']} | {row['workers']} | {presses} | {b['phones']} | {b['acknowledged']} | {b['errors']} | {b['p50_ms']} | {b['p99_ms']} | {b['max_ms']} | {b.get('server_cpu_ms', '')} | {once} |"  # type: ignore[index]
            )
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


def survey_loads(result: dict[str, object], *, phones: int, requests: int, concurrency: int, bursting: int) -> None:
    runs: list[dict[str, object]] = []
    kw = {"phones": phones, "requests": requests, "concurrency": concurrency, "bursting": bursting}
    print("\n== survey load: SQLite, 1 worker")
    runs.append(survey_load.sqlite_run(**kw))  # type: ignore[arg-type]
    if survey_load.postgres_available():
        for workers in (1, 2):
            print(f"== survey load: PostgreSQL, {workers} worker(s)")
            runs.append(survey_load.postgres_run(workers=workers, **kw))  # type: ignore[arg-type]
    else:
        print("PostgreSQL is not running (./scripts/test-services starts it): skipped")
    result["survey_load"] = runs
    print(table(runs))
    print(f"\n{bursting}-phone bursts (all press send at the same instant; other phones at random instants within one second):")
    print(bursts(runs))
    for run in runs:
        stored = run["stored"]  # every acknowledged submission, stored once and complete
        assert stored["found"] == stored["acknowledged"] and not stored["duplicated"] and not stored["not_complete"], run  # type: ignore[index]
        if stored["complete_responses_in_database"] != stored["acknowledged"]:  # type: ignore[index]
            # Not a loss: a phone that timed out may still have been stored (a retry would replay it).
            print(f"note: {stored['complete_responses_in_database']} complete responses for {stored['acknowledged']} acknowledged")  # type: ignore[index]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", action="append", choices=PARTS, help="run this part alone (repeatable)")
    args = parser.parse_args()
    parts = args.only or list(PARTS)
    phones, requests, concurrency, bursting = (60, 1000, 8, 50) if args.quick else (400, 4000, 16, 200)
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
        survey_loads(result, phones=phones, requests=requests, concurrency=concurrency, bursting=bursting)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
