"""Theme finding, measured: `python bench/themes/run.py [--quick] [--only PART ...]`.

Parts (each run in a fresh subprocess, so its peak memory is its own):

- `shorttext`: the labelled Stack Overflow titles (20 classes): `insights.themes.find_themes`
  without k, over three seeds, beside TF-IDF + k-means and LSA + k-means told the true k, in the
  same run. NMI, ARI, themes found, share in "other", wall and CPU time, peak memory.
- `polis`: the free-text comments of six real Polis conversations (no theme truth): themes found,
  share in "other", time, and the labels of the largest themes.
- `multilingual`: `bench/themes/multilingual.json` (six topics, each said in six languages; the
  fixture the concept lexicon was written against, rows labelled `tuned`) and
  `bench/themes/multilingual_heldout.json` (six other topics, kept out of the lexicon's tuning,
  rows labelled `held-out`, stored under `heldout_rows`): with and without the concept lexicon,
  languages given or detected. ARI and NMI against the topic, the
  share of same-topic pairs in different languages that land in one theme, the share of
  different-topic pairs that do, and the NMI between language and theme (0: language does not
  decide the theme).
- `scale`: 10,000 and 100,000 texts (the titles, then five perturbed copies of them: each copy
  drops one word per title at random and shuffles the order) for time and peak memory.
- `pipeline`: the same 100,000 texts screened (`insights.screening.screen_many`) and then themed,
  in one process, timed as one run (the goal: under 60 s and 2 GB).

Prints tables and writes bench/results/themes.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
SHORT = DATA / "short-text"
POLIS = DATA / "polis"
RESULTS = ROOT / "bench" / "results" / "themes.json"
PARTS = ("shorttext", "polis", "multilingual", "scale", "pipeline")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _short_text() -> tuple[list[str], list[int]]:
    texts = (SHORT / "stackoverflow.txt").read_text(encoding="utf-8").splitlines()
    labels = [int(x) for x in (SHORT / "stackoverflow_labels.txt").read_text().split()]
    return texts, labels


def _scores(truth: list[int], found: list[int]) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    assigned = [i for i, f in enumerate(found) if f >= 0]
    return {
        "nmi": round(normalized_mutual_info_score(truth, found), 4),
        "ari": round(adjusted_rand_score(truth, found), 4),
        "nmi_assigned": round(normalized_mutual_info_score([truth[i] for i in assigned], [found[i] for i in assigned]), 4),
        "themes": len({f for f in found if f >= 0}),
        "other": round(sum(f < 0 for f in found) / len(found), 4),
    }


def _timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def run_ours(texts: list[str], truth: list[int] | None, seed: int, languages: list[str | None] | None = None) -> dict[str, Any]:
    from baraza import text as text_tools
    from insights.themes import find_themes

    # The spaCy pipelines load once per process in the product (the worker); not timed here.
    for lang in {lang for lang in languages or [] if lang}:
        text_tools.pipeline(lang)
    before = _peak_mb()
    model, wall, cpu = _timed(lambda: find_themes(texts, languages, seed=seed))
    row: dict[str, Any] = {"method": "find_themes (k chosen)", "seed": seed, "n": len(texts), "k_chosen": model.k_chosen,
                           "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": round(_peak_mb()), "rss_before_mb": round(before)}
    found = model.assignments
    row["other"] = round(sum(f < 0 for f in found) / len(found), 4)
    if truth is not None:
        row.update(_scores(truth, found))
    row["labels"] = [t.label_phrases for t in model.themes[:8]]
    row["sizes"] = [t.size for t in model.themes]
    row["examples"] = [[texts[i] for i in t.representatives[:2]] for t in model.themes[:8]]
    return row


def run_baseline(kind: str, texts: list[str], truth: list[int], seed: int) -> dict[str, Any]:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    k = len(set(truth))

    def fit() -> list[int]:
        matrix = TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english").fit_transform(texts)
        if kind == "lsa":
            matrix = normalize(TruncatedSVD(100, random_state=seed).fit_transform(matrix))
        return [int(x) for x in KMeans(k, n_init=5, random_state=seed).fit(matrix).labels_]

    found, wall, cpu = _timed(fit)
    row = {"method": f"{'LSA (100) + ' if kind == 'lsa' else 'TF-IDF + '}k-means, told k={k}", "seed": seed, "n": len(texts),
           "k_chosen": k, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": round(_peak_mb())}
    row.update(_scores(truth, found))
    return row


def part_shorttext(quick: bool) -> dict[str, Any]:
    texts, truth = _short_text()
    seeds = [0] if quick else [0, 1, 2]
    rows = [run_ours(texts, truth, s, ["en"] * len(texts)) for s in seeds]
    rows += [run_baseline("tfidf", texts, truth, s) for s in seeds]
    rows += [run_baseline("lsa", texts, truth, s) for s in seeds]
    return {"rows": rows}


def part_polis(quick: bool) -> dict[str, Any]:
    import csv

    rows = []
    for conversation in sorted(p.name for p in POLIS.iterdir() if p.is_dir()):
        with open(POLIS / conversation / "comments.csv", encoding="utf-8") as f:
            texts = [r["comment-body"] for r in csv.DictReader(f) if r.get("moderated") != "-1" and r["comment-body"].strip()]
        row = run_ours(texts, None, 0, ["en"] * len(texts))
        row["conversation"] = conversation
        rows.append(row)
    return {"rows": rows}


MULTILINGUAL = {"tuned": ROOT / "bench" / "themes" / "multilingual.json", "held-out": ROOT / "bench" / "themes" / "multilingual_heldout.json"}


def part_multilingual(quick: bool) -> dict[str, Any]:
    """Both fixtures: `rows` for multilingual.json (the one the lexicon was written against) and
    `heldout_rows` for multilingual_heldout.json (six other topics, kept out of the lexicon's
    tuning: the honest figure)."""
    return {"rows": _multilingual_rows(MULTILINGUAL["tuned"], "tuned"),
            "heldout_rows": _multilingual_rows(MULTILINGUAL["held-out"], "held-out")}


def _multilingual_rows(path: Path, fixture: str) -> list[dict[str, Any]]:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from insights.themes import find_themes

    data = json.loads(path.read_text(encoding="utf-8"))["topics"]
    texts, langs, topics = [], [], []
    for t, by_lang in enumerate(data.values()):
        for lang, items in by_lang.items():
            for item in items:
                texts.append(item)
                langs.append(lang)
                topics.append(t)
    topic = np.array(topics)
    lang = np.array(langs)
    find_themes(texts, langs)  # loads the six pipelines: not timed
    rows = []
    for use_lexicon in (True, False):
        for given in (True, False):
            model, wall, cpu = _timed(lambda: find_themes(texts, langs if given else None, seed=0, use_lexicon=use_lexicon))  # noqa: B023
            a = np.array(model.assignments)
            same = (a[:, None] == a[None, :]) & (a[:, None] >= 0)
            same_topic = topic[:, None] == topic[None, :]
            other_lang = lang[:, None] != lang[None, :]
            rows.append({
                "fixture": fixture, "file": path.name,
                "lexicon": use_lexicon, "languages": "given" if given else "detected", "n": len(texts), "k_chosen": model.k_chosen,
                "ari": round(adjusted_rand_score(topic, a), 4), "nmi": round(normalized_mutual_info_score(topic, a), 4),
                "cross_lingual_same_topic_together": round(float(same[same_topic & other_lang].mean()), 4),
                "different_topics_together": round(float(same[~same_topic].mean()), 4),
                "nmi_language_theme": round(normalized_mutual_info_score(lang, a), 4),
                "other": round(float((a < 0).mean()), 4),
                "language_detected_right": round(float(np.mean([x == y for x, y in zip(model.languages, langs, strict=True)])), 4),
                "wall_s": wall, "cpu_s": cpu,
                "labels": [t.label_phrases for t in model.themes],
                "topics_per_theme": [np.bincount(topic[a == t.id], minlength=len(data)).tolist() for t in model.themes],
            })
    return rows


def _scaled(size: int) -> tuple[list[str], list[int]]:
    """`size` titles: a random subset, or (above the 20,000) copies that each drop one word per
    title at random, shuffled."""
    texts, truth = _short_text()
    rng = random.Random(0)
    order = list(range(len(texts)))
    rng.shuffle(order)
    if size <= len(texts):
        chosen = order[:size]
        return [texts[i] for i in chosen], [truth[i] for i in chosen]
    big, big_truth = [], []
    for _ in range(size // len(texts)):
        for i in order:
            words = texts[i].split()
            if len(words) > 2:
                del words[rng.randrange(len(words))]
            big.append(" ".join(words))
            big_truth.append(truth[i])
    pairs = list(zip(big, big_truth, strict=True))
    rng.shuffle(pairs)
    return [p[0] for p in pairs], [p[1] for p in pairs]


def part_scale(quick: bool) -> dict[str, Any]:
    rows = []
    for size in [10_000] if quick else [10_000, 100_000]:
        big, big_truth = _scaled(size)
        rows.append(_in_subprocess("scale_one", {"texts": big, "truth": big_truth}))
    return {"rows": rows}


def part_pipeline(quick: bool) -> dict[str, Any]:
    """The issue's goal as one run: 100,000 texts screened (insights.screening.screen_many, as
    a run's job does) and then themed, in one process, one after the other."""
    size = 20_000 if quick else 100_000
    big, big_truth = _scaled(size)
    return {"rows": [_in_subprocess("pipeline_one", {"texts": big, "truth": big_truth})]}


def _in_subprocess(part: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    stdin = json.dumps(payload or {})
    done = subprocess.run([sys.executable, __file__, "--child", part], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{part} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(part: str, quick: bool) -> None:
    if part == "scale_one":
        payload = json.loads(sys.stdin.read())
        row = run_ours(payload["texts"], payload["truth"], 0, ["en"] * len(payload["texts"]))
        row.pop("examples", None)
        # The same texts, LSA + k-means told the true k: what the perturbation itself costs.
        baseline = run_baseline("lsa", payload["texts"], payload["truth"], 0)
        row.update({"lsa_told_k_nmi": baseline["nmi"], "lsa_told_k_ari": baseline["ari"], "lsa_told_k_cpu_s": baseline["cpu_s"]})
        print(json.dumps(row))
        return
    if part == "pipeline_one":
        from baraza import text as text_tools
        from insights.screening import screen_many
        from insights.themes import find_themes

        payload = json.loads(sys.stdin.read())
        texts = payload["texts"]
        text_tools.pipeline("en")  # loaded once per worker, as in the product: not timed
        screen_many(texts[:500], "en")  # the word lists too (2-6 s once per process)
        before = _peak_mb()
        wall, cpu = time.perf_counter(), time.process_time()
        masked = [s.text for s in screen_many(texts, "en")]
        screen_wall, screen_cpu = time.perf_counter() - wall, time.process_time() - cpu
        model = find_themes(masked, ["en"] * len(masked), seed=0)
        total_wall, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
        row = {"n": len(texts), "screen_wall_s": round(screen_wall, 1), "screen_cpu_s": round(screen_cpu, 1),
               "themes_wall_s": round(total_wall - screen_wall, 1), "themes_cpu_s": round(total_cpu - screen_cpu, 1),
               "total_wall_s": round(total_wall, 1), "total_cpu_s": round(total_cpu, 1),
               "rss_before_mb": round(before), "peak_rss_mb": round(_peak_mb()), "k_chosen": model.k_chosen}
        row.update(_scores(payload["truth"], model.assignments))
        print(json.dumps(row))
        return
    print(json.dumps({"shorttext": part_shorttext, "polis": part_polis, "multilingual": part_multilingual, "scale": part_scale,
                      "pipeline": part_pipeline}[part](quick)))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", action="append", choices=PARTS)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.quick)
        return
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "system": f"{platform.system()} {platform.machine()}",
                          "load_average_at_start": os.getloadavg()[0]}
    for part in args.only or PARTS:
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        results[part] = _run_part(part, args.quick)
        results[part]["measured_at"] = started
        results[part]["load_average_after"] = round(os.getloadavg()[0], 1)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    _print(results)


def _run_part(part: str, quick: bool) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, __file__, "--child", part] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{part} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print(results: dict[str, Any]) -> None:
    print("machine:", results.get("machine"))
    if "shorttext" in results:
        print("\nShort text (Stack Overflow titles, 20 classes)")
        print(_table(results["shorttext"]["rows"], ["method", "seed", "k_chosen", "nmi", "ari", "other", "nmi_assigned", "wall_s", "cpu_s", "peak_rss_mb"]))
    if "polis" in results:
        print("\nPolis comments")
        rows = [dict(r, top_labels=" / ".join(", ".join(x[:3]) for x in r["labels"][:3])) for r in results["polis"]["rows"]]
        print(_table(rows, ["conversation", "n", "k_chosen", "other", "wall_s", "cpu_s", "top_labels"]))
    if "multilingual" in results:
        columns = ["fixture", "lexicon", "languages", "k_chosen", "ari", "nmi", "cross_lingual_same_topic_together",
                   "different_topics_together", "nmi_language_theme", "other", "language_detected_right", "wall_s"]
        print("\nMultilingual (6 topics x 6 languages x 4; tuned: multilingual.json, held-out: multilingual_heldout.json)")
        print(_table(results["multilingual"]["rows"] + results["multilingual"].get("heldout_rows", []), columns))
    if "scale" in results:
        print("\nScale")
        print(_table(results["scale"]["rows"], ["n", "k_chosen", "nmi", "ari", "other", "wall_s", "cpu_s", "rss_before_mb", "peak_rss_mb", "lsa_told_k_nmi", "lsa_told_k_ari"]))
    if "pipeline" in results:
        print("\nPipeline: screened, then themed, in one process")
        print(_table(results["pipeline"]["rows"], ["n", "screen_wall_s", "screen_cpu_s", "themes_wall_s", "themes_cpu_s", "total_wall_s", "total_cpu_s",
                                                   "rss_before_mb", "peak_rss_mb", "k_chosen", "nmi", "other"]))


if __name__ == "__main__":
    main()
