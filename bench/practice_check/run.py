"""Benchmark of the practice check's model on synthetic card sorts drawn from known preferences.

    python -m bench.practice_check.run            # the full run (a few minutes on 2 cores)
    python -m bench.practice_check.run --quick    # a smoke run

Four contexts of young people (120, 80 and 60, and a tiny one of 4) sort 12 cards each; a
share of their answers are survey questions naming a safeguard or a retention period. Each
context's last 25 % of young people are held out. Reported on the held-out answers: log loss,
Brier score (0-2), expected calibration error of the top answer, accuracy, and accuracy of
"the majority answer for that card in that context" (across contexts when the context never
saw the card); the mean error of P(fine) against the known truth; then leave-one-context-out:
each context's answers predicted by a model that never saw that context, with and without the
context as a feature (what pooling buys over one model for everyone, and over the context's own
answers only). Times: training (with the bootstrap and the quality measurement, as the job
does) and one answer. Writes bench/practice_check/last.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from practice.model import ANSWERS, Observation, Practice, assess, fit, majority_baseline, scores
from practice.synthetic import DEFAULT_WORLD, draw

HERE = Path(__file__).parent
SIZES = {"north": 120, "south": 80, "camp": 60, "tiny": 4}


def split(observations: list[Observation]) -> tuple[list[Observation], list[Observation]]:
    people: dict[str, list[str]] = defaultdict(list)
    for o in observations:
        if o.person not in people[o.context]:
            people[o.context].append(o.person)
    held = {p for ps in people.values() for p in ps[int(len(ps) * 0.75) :]}
    return [o for o in observations if o.person not in held], [o for o in observations if o.person in held]


def evaluate(model, train, test) -> dict[str, float]:  # type: ignore[no-untyped-def]
    y = np.array([ANSWERS.index(o.answer) for o in test])
    proba = model.proba(model.space.matrix(test))
    log_loss, brier, ece, acc = scores(proba, y)
    majority = float((majority_baseline(train, test) == y).mean())
    truth = np.array([DEFAULT_WORLD.truth(o.context, o.age_band, o.data_kind, o.data_user, o.purpose, tuple(o.safeguards), o.retention)[2] for o in test])
    return {"log_loss": log_loss, "brier": brier, "calibration_error": ece, "accuracy": acc, "majority_accuracy": majority,
            "fine_error_vs_truth": float(np.abs(proba[:, 2] - truth).mean()), "answers": len(test)}


def per_context(model, train, test) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    out = {}
    for ctx in SIZES:
        sub = [o for o in test if o.context == ctx]
        if sub:
            out[ctx] = evaluate(model, train, sub)
    return out


def leave_one_context_out(observations: list[Observation], bootstrap: int) -> dict[str, dict[str, float]]:
    """For each context: predict all its answers from the other contexts only (pooled), and
    from the context's own first half only (no pooling), scored on its second half."""
    out = {}
    for ctx in SIZES:
        others = [o for o in observations if o.context != ctx]
        own = [o for o in observations if o.context == ctx]
        people = sorted({o.person for o in own})
        first = set(people[: max(1, len(people) // 2)])
        own_train = [o for o in own if o.person in first]
        own_test = [o for o in own if o.person not in first] or own
        y = np.array([ANSWERS.index(o.answer) for o in own_test])
        pooled_model = fit(others + own_train, bootstrap=bootstrap, measure=False)
        unseen = fit(others, bootstrap=0, measure=False)
        alone = fit(own_train, bootstrap=0, measure=False, pooling=False)
        # Context unseen: the pooled answer (the context's columns are absent, so all zero).
        rows = {
            "pooled_with_own_half": pooled_model.proba(pooled_model.space.matrix(own_test)),
            "others_only": unseen.proba(unseen.space.matrix(own_test)),
            "own_half_only": alone.proba(alone.space.matrix([Observation(o.person, "", o.age_band, o.data_kind, o.data_user, o.purpose, o.answer, o.safeguards, o.retention) for o in own_test])),
        }
        out[ctx] = {name: round(scores(p, y)[0], 4) for name, p in rows.items()} | {"people_in_context": len(people)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    bootstrap = 5 if args.quick else 30
    sizes = {k: (v // 4 if args.quick and v > 10 else v) for k, v in SIZES.items()}
    observations = draw(DEFAULT_WORLD, sizes, seed=11, conditions=0.3)
    train, test = split(observations)
    started = time.perf_counter()
    model = fit(train, contexts=list(SIZES), bootstrap=bootstrap, seed=11)
    train_seconds = time.perf_counter() - started
    practice = Practice(("location",), ("tech_company",), ("advertise",), retention="5y")
    started = time.perf_counter()
    n = 50
    for _ in range(n):
        assess(model, practice, "north")
    answer_ms = (time.perf_counter() - started) / n * 1000
    pooled_off = fit(train, bootstrap=0, measure=False, pooling=False)
    result = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "quick": args.quick, "contexts": sizes, "train_answers": len(train), "test_answers": len(test),
        "calibrated": model.calibrated,
        "held_out": {k: round(v, 4) if isinstance(v, float) else v for k, v in evaluate(model, train, test).items()},
        "held_out_one_model_for_all": {k: round(v, 4) if isinstance(v, float) else v for k, v in evaluate(pooled_off, train, [Observation(o.person, "", o.age_band, o.data_kind, o.data_user, o.purpose, o.answer, o.safeguards, o.retention) for o in test]).items()},
        "held_out_per_context": {c: {k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for c, r in per_context(model, train, test).items()},
        "leave_one_context_out_log_loss": leave_one_context_out(observations, 0),
        "train_seconds": round(train_seconds, 2), "answer_milliseconds": round(answer_ms, 2), "bootstrap": bootstrap,
    }
    (HERE / "last.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
