"""Opinion groups against Polis's own groups on six real conversations.

    .venv/bin/python -m bench.opinion_groups.run [--data ../shared/data/polis] [--only NAME]

For each conversation in ``shared/data/polis`` (CC BY 4.0, The Computational Democracy Project):
the votes in the order they were cast (``votes.csv``, by timestamp), statements moderated out
(``comments.csv``, ``moderated == -1``) passed as hidden, then the adjusted Rand index between
Baraza's groups and Polis's ``group-id`` (``participants-votes.csv``) over the participants both
grouped, the k found against Polis's k, how many participants were compared, and the time taken.
Also a synthetic conversation of 10,000 participants x 1,000 statements, timed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

# One BLAS thread: on a shared two-core machine, OpenBLAS's thread pool spins against the other
# processes and makes small matrix products tens of times slower. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from insights.opinion import opinion_groups  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "polis"


def load(conv: Path) -> tuple[list[tuple[int, int, int]], set[int], dict[int, int]]:
    timed, hidden, polis = load_timed(conv)
    return [(p, c, v) for _, p, c, v in timed], hidden, polis


def load_timed(conv: Path) -> tuple[list[tuple[int, int, int, int]], set[int], dict[int, int]]:
    with open(conv / "votes.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: int(r["timestamp"]))  # stable: ties keep the file's order
    votes = [(int(r["timestamp"]), int(r["voter-id"]), int(r["comment-id"]), int(r["vote"])) for r in rows]
    with open(conv / "comments.csv", newline="") as f:
        hidden = {int(r["comment-id"]) for r in csv.DictReader(f) if r["moderated"] == "-1"}
    with open(conv / "participants-votes.csv", newline="") as f:
        polis = {int(r["participant"]): int(r["group-id"]) for r in csv.DictReader(f) if r["group-id"] != ""}
    return votes, hidden, polis


def run_conversation(conv: Path) -> dict:
    votes, hidden, polis = load(conv)
    start = time.perf_counter()
    result = opinion_groups(votes, hidden_statements=hidden)
    seconds = time.perf_counter() - start
    both = sorted(set(polis) & set(result.groups))
    ari = adjusted_rand_score([polis[p] for p in both], [result.groups[p] for p in both]) if both else float("nan")
    return {
        "conversation": conv.name,
        "mode": "one run",
        "participants": len({v[0] for v in votes}),
        "statements": len({v[1] for v in votes}),
        "polis_grouped": len(polis),
        "baraza_grouped": len(result.groups),
        "compared": len(both),
        "polis_k": len(set(polis.values())),
        "k": result.k,
        "ari": round(float(ari), 3),
        "seconds": round(seconds, 3),
        "silhouettes": {k: round(v, 3) for k, v in result.silhouettes.items()},
    }


def replay_conversation(conv: Path, window_seconds: float) -> dict:
    """Polis's own history, approximately: one update per ``window_seconds`` of votes (Polis's math
    worker updates a conversation every time it polls new votes, each update starting from the last
    one's state), then the same comparison on the last update."""
    timed, hidden, polis = load_timed(conv)
    start = time.perf_counter()
    state = None
    window = window_seconds * 1000
    batch_start = None
    updates = 0
    result = None
    for i, (t, _, _, _) in enumerate(timed):
        batch_start = t if batch_start is None else batch_start
        if i == len(timed) - 1 or timed[i + 1][0] - batch_start >= window:
            result = opinion_groups([(p, c, v) for _, p, c, v in timed[: i + 1]], hidden_statements=hidden, previous=state)
            state, batch_start, updates = result.state, None, updates + 1
    assert result is not None
    seconds = time.perf_counter() - start
    both = sorted(set(polis) & set(result.groups))
    ari = adjusted_rand_score([polis[p] for p in both], [result.groups[p] for p in both]) if both else float("nan")
    return {
        "conversation": conv.name,
        "mode": f"replay, one update per {window_seconds:g} s of votes",
        "updates": updates,
        "compared": len(both),
        "polis_k": len(set(polis.values())),
        "k": result.k,
        "ari": round(float(ari), 3),
        "seconds": round(seconds, 1),
    }


def synthetic(n_participants: int = 10_000, n_statements: int = 1_000, per_person: int = 60, seed: int = 0) -> dict:
    """Three camps, each participant voting on ``per_person`` random statements."""
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, 3, n_participants)
    stance = rng.choice([-1, 1], size=(3, n_statements))
    # Each participant votes on ``per_person`` distinct random statements: the first columns of a
    # random permutation per row.
    chosen = np.argsort(rng.random((n_participants, n_statements)), axis=1)[:, :per_person]
    agree_with_camp = rng.random(chosen.shape) < 0.8
    noise = rng.choice([-1, 0, 1], size=chosen.shape)
    values = np.where(agree_with_camp, stance[camp[:, None], chosen], noise)
    people = np.repeat(np.arange(n_participants), per_person)
    votes = list(zip(people.tolist(), chosen.ravel().tolist(), values.ravel().tolist(), strict=True))
    start = time.perf_counter()
    result = opinion_groups(votes)
    seconds = time.perf_counter() - start
    both = np.array(sorted(p for p in result.groups if isinstance(p, int)))
    return {
        "conversation": f"synthetic {n_participants}x{n_statements} ({len(votes)} votes, 3 camps)",
        "k": result.k,
        "ari": round(float(adjusted_rand_score(camp[both], [result.groups[p] for p in both])), 3),
        "seconds": round(seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", action="append")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic conversation")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--replay", type=float, metavar="SECONDS", help="also replay each conversation's history, one update per SECONDS of votes (slow)"
    )
    args = parser.parse_args()
    convs = sorted(p for p in args.data.iterdir() if (p / "votes.csv").exists())
    if args.only:
        convs = [c for c in convs if c.name in args.only]
    rows = [run_conversation(c) for c in convs]
    print(f"{'conversation':32} {'ptpts':>6} {'stmts':>5} {'compared':>8} {'k/polis':>7} {'ARI':>6} {'time s':>7}")
    for r in rows:
        print(
            f"{r['conversation']:32} {r['participants']:6} {r['statements']:5} {r['compared']:8} "
            f"{r['k']:>3}/{r['polis_k']:<3} {r['ari']:6.3f} {r['seconds']:7.3f}  sil={r['silhouettes']}"
        )
    if args.replay:
        for conv in convs:
            r = replay_conversation(conv, args.replay)
            rows.append(r)
            print(f"{r['conversation']:32} {r['mode']}: {r['updates']} updates, k {r['k']}/{r['polis_k']}, ARI {r['ari']:.3f}, {r['seconds']} s")
    if not args.no_synthetic:
        s = synthetic(seed=args.seed)
        rows.append(s)
        print(f"{s['conversation']}: k={s['k']} ARI={s['ari']:.3f} time={s['seconds']:.2f} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
