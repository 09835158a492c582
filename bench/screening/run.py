"""Measure the insights screening: recall and precision per kind of personal data and language,
and texts per second.

    python bench/screening/run.py            # everything (about a minute)
    python bench/screening/run.py --quick    # fewer texts for the speed part

Sets measured:
- `pii-en`: ../shared/data/pii/presidio_synth_dataset_v2.json (1,500 synthetic English sentences
  from Microsoft's presidio-research, MIT), its labels mapped to Baraza's kinds (below);
- `<lang>`: bench/screening/fixtures/<lang>.jsonl (make_fixtures.py), 300 texts per language;
- `<lang>-lower`: the same texts typed in lower case (as young people often type on phones).

A labelled span counts as found when a masked span of the same kind overlaps it (recall); a
masked span is right when it overlaps a labelled span of its kind (precision). "masked" is the
recall whatever the kind: what a reader can no longer see, which is what protects someone.
Speed: every text of every set plus the real comments of the Polis conversations in
../shared/data/polis (CC BY 4.0, The Computational Democracy Project), screened one after the
other in this process, after a warm-up; wall time, so it is only as steady as the machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from insights.screening import KINDS, screen, screen_many  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).parent / "fixtures"
RESULTS = ROOT / "bench" / "results" / "screening.json"

# presidio-research's labels in Baraza's kinds. Not personal data for this screen (not scored,
# but a masked span on one counts against precision): ORGANIZATION, DATE_TIME, TITLE, AGE, NRP.
PRESIDIO_KINDS = {
    "PERSON": "name", "STREET_ADDRESS": "address", "ZIP_CODE": "address", "GPE": "place", "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email", "DOMAIN_NAME": "link", "CREDIT_CARD": "id", "IBAN_CODE": "id", "US_SSN": "id",
    "US_DRIVER_LICENSE": "id", "IP_ADDRESS": "id",
}


def load_presidio() -> list[dict]:
    rows = json.loads((SHARED / "pii" / "presidio_synth_dataset_v2.json").read_text(encoding="utf-8"))
    out = []
    for row in rows:
        spans = [{"start": s["start_position"], "end": s["end_position"], "kind": PRESIDIO_KINDS.get(s["entity_type"], "other:" + s["entity_type"])}
                 for s in row["spans"]]
        out.append({"lang": "en", "countries": [], "text": row["full_text"], "spans": spans})
    return out


def load_fixtures() -> dict[str, list[dict]]:
    sets = {}
    for path in sorted(FIXTURES.glob("*.jsonl")):
        sets[path.stem] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sets


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(rows: list[dict], *, countries: bool = True) -> dict:
    found = Counter()
    masked = Counter()
    gold = Counter()
    right = Counter()
    predicted = Counter()
    on_other = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    wrong: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        result = screen(row["text"], row["lang"], countries=row["countries"] if countries else ())
        spans = [(s.start, s.end, s.kind) for s in result.spans]
        for g in row["spans"]:
            kind = g["kind"]
            if kind.startswith("other:"):
                continue
            gold[kind] += 1
            g_span = (g["start"], g["end"])
            if any(overlaps(g_span, (s, e)) and k == kind for s, e, k in spans):
                found[kind] += 1
            elif len(misses[kind]) < 8:
                misses[kind].append(f"{row['text'][g['start']:g['end']]!r} in {row['text'][:120]!r}")
            if any(overlaps(g_span, (s, e)) for s, e, _k in spans):
                masked[kind] += 1
        for s, e, k in spans:
            predicted[k] += 1
            same = [g for g in row["spans"] if overlaps((s, e), (g["start"], g["end"]))]
            if any(g["kind"] == k for g in same):
                right[k] += 1
            else:
                if any(g["kind"].startswith("other:") for g in same):
                    on_other[k] += 1
                if len(wrong[k]) < 8:
                    wrong[k].append(f"{row['text'][s:e]!r} in {row['text'][:120]!r}")
    per_kind = {}
    for kind in KINDS:
        if not gold[kind] and not predicted[kind]:
            continue
        per_kind[kind] = {
            "labelled": gold[kind], "recall": round(found[kind] / gold[kind], 3) if gold[kind] else None,
            "masked": round(masked[kind] / gold[kind], 3) if gold[kind] else None,
            "predicted": predicted[kind], "precision": round(right[kind] / predicted[kind], 3) if predicted[kind] else None,
            "wrong_on_unscored_entity": on_other[kind],
        }
    total_gold, total_pred = sum(gold.values()), sum(predicted.values())
    per_kind["all"] = {
        "labelled": total_gold, "recall": round(sum(found.values()) / total_gold, 3) if total_gold else None,
        "masked": round(sum(masked.values()) / total_gold, 3) if total_gold else None,
        "predicted": total_pred, "precision": round(sum(right.values()) / total_pred, 3) if total_pred else None,
        "wrong_on_unscored_entity": sum(on_other.values()),
    }
    return {"kinds": per_kind, "misses": dict(misses), "wrong": dict(wrong)}


def lower_case(rows: list[dict]) -> list[dict]:
    """The same texts typed in lower case, as young people often type on a phone (spans kept;
    a text whose length lower() changes is left out)."""
    return [{**row, "text": row["text"].lower()} for row in rows if len(row["text"].lower()) == len(row["text"])]


def polis_comments() -> list[str]:
    texts = []
    for path in sorted((SHARED / "polis").glob("*/comments.csv")):
        with path.open(encoding="utf-8") as handle:
            texts.extend(row["comment-body"] for row in csv.DictReader(handle) if row.get("comment-body"))
    return texts


def speed(texts: list[str], target: int) -> dict:
    batch = (texts * (target // max(1, len(texts)) + 1))[:target]
    screen_many(batch[:500], "en")  # warm-up: caches of word look-ups fill as a real run's would
    started = time.perf_counter()
    cpu = time.process_time()
    screen_many(batch, "en", countries=("KE", "GB"))
    wall = time.perf_counter() - started
    return {"texts": len(batch), "seconds": round(wall, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
            "texts_per_second": round(len(batch) / wall), "mean_chars": round(sum(map(len, batch)) / len(batch))}


def table(name: str, result: dict) -> str:
    lines = [f"\n{name}", "| kind | labelled | recall | masked (any kind) | predicted | precision |", "|---|---|---|---|---|---|"]
    for kind, r in result["kinds"].items():
        lines.append(f"| {kind} | {r['labelled']} | {r['recall']} | {r['masked']} | {r['predicted']} | {r['precision']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--show", action="store_true", help="print misses and wrong masks")
    args = parser.parse_args()
    results: dict = {"sets": {}}
    fixtures = load_fixtures()
    sets = {"pii-en": load_presidio(), **fixtures, **{f"{lang}-lower": lower_case(rows) for lang, rows in fixtures.items()}}
    for name, rows in sets.items():
        results["sets"][name] = score(rows)
        print(table(f"{name} ({len(rows)} texts)", results["sets"][name]))
        if args.show:
            for key in ("misses", "wrong"):
                for kind, examples in results["sets"][name][key].items():
                    for example in examples:
                        print(f"  {key} {kind}: {example}")
    comments = polis_comments()
    flagged = [screen(t, "en") for t in comments]
    results["polis_comments"] = {
        "texts": len(comments), "with_a_mask": sum(1 for r in flagged if r.spans),
        "masked_kinds": dict(Counter(s.kind for r in flagged for s in r.spans)),
        "examples": [r.text[:160] for r in flagged if r.spans][:15],
    }
    print(f"\nPolis comments (real, unlabelled): {len(comments)} texts, {results['polis_comments']['with_a_mask']} with something masked,"
          f" {results['polis_comments']['masked_kinds']}")
    corpus = [row["text"] for name, rows in sets.items() if not name.endswith("-lower") for row in rows] + comments
    results["speed"] = speed(corpus, 20_000 if args.quick else 100_000)
    s = results["speed"]
    print(f"\nSpeed: {s['texts']} texts (mean {s['mean_chars']} characters) in {s['seconds']} s wall, {s['cpu_seconds']} s CPU:"
          f" {s['texts_per_second']} texts per second")
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                          "load_average": os.getloadavg(), "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
