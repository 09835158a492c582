"""Opinion groups (insights/opinion.py): the Polis method on synthetic camps and on one real
Polis conversation whose groups Polis published (tests/insights/data, CC BY 4.0)."""

from __future__ import annotations

import csv
import json
from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from insights.opinion import OpinionState, opinion_groups

DATA = Path(__file__).parent / "data"


def camps(
    sizes: list[int], stances: list[list[int]], *, noise: float = 0.1, seed: int = 0, skip: float = 0.0
) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
    """Votes of participants in known camps: each votes its camp's stance on every statement,
    except a random ``noise`` share of random votes and a ``skip`` share of statements not voted."""
    rng = np.random.default_rng(seed)
    votes: list[tuple[str, str, int]] = []
    truth: dict[str, int] = {}
    n = 0
    for camp, (size, stance) in enumerate(zip(sizes, stances, strict=True)):
        for _ in range(size):
            person = f"p{n}"
            n += 1
            truth[person] = camp
            for s, vote in enumerate(stance):
                if rng.random() < skip:
                    continue
                if rng.random() < noise:
                    vote = int(rng.choice([-1, 0, 1]))
                votes.append((person, f"s{s}", vote))
    order = rng.permutation(len(votes))  # votes arrive interleaved
    return [votes[i] for i in order], truth


def ari(truth: dict[str, int], groups: dict) -> float:
    people = sorted(groups)
    return adjusted_rand_score([truth[p] for p in people], [groups[p] for p in people])


# Two camps split on 16 statements and all agreeing on 4.
TWO = [[1] * 8 + [-1] * 8 + [1] * 4, [-1] * 8 + [1] * 8 + [1] * 4]


def test_two_camps_are_recovered() -> None:
    votes, truth = camps([40, 30], TWO, skip=0.2)
    result = opinion_groups(votes)
    assert result.k == 2
    # Bound: with 10 % random votes the camps stay far apart, so the recovery is near exact.
    assert ari(truth, result.groups) >= 0.9
    assert sorted(result.group_sizes.values()) == [30, 40]
    assert set(result.projection) == set(truth)


def test_three_camps_are_recovered() -> None:
    stances = [
        [1] * 6 + [-1] * 6 + [1] * 6,
        [-1] * 6 + [1] * 6 + [1] * 6,
        [1] * 6 + [1] * 6 + [-1] * 6,
    ]
    votes, truth = camps([35, 30, 25], stances, seed=1)
    result = opinion_groups(votes)
    assert result.k == 3
    assert ari(truth, result.groups) >= 0.9


def test_sparse_voters_are_left_out_by_polis_rule() -> None:
    votes, truth = camps([20, 20], TWO, noise=0.0, seed=2)
    # Two newcomers: one voted on 6 of the 20 statements, the other on 7.
    votes += [("six", f"s{s}", 1) for s in range(6)]
    votes += [("seven", f"s{s}", 1) for s in range(7)]
    result = opinion_groups(votes)
    assert "six" not in result.in_conversation and "six" not in result.groups
    assert "seven" in result.in_conversation and "seven" in result.groups
    # Everyone still has a place on the map.
    assert "six" in result.projection


def test_with_few_statements_voting_on_all_is_enough() -> None:
    # 5 statements: min(7, 5) = 5 votes put a participant in.
    stance = [[1, 1, -1, -1, 1], [-1, -1, 1, 1, 1]]
    votes, _ = camps([10, 10], stance, noise=0.0, seed=3)
    votes += [("four", f"s{s}", 1) for s in range(4)]
    result = opinion_groups(votes)
    assert len(result.in_conversation) == 20
    assert "four" not in result.in_conversation


def test_small_conversations_are_topped_up_to_fifteen_most_active() -> None:
    rng = np.random.default_rng(4)
    votes = []
    for p in range(20):
        n_votes = 2 + p % 5 if p >= 5 else 10  # five participants voted 10 times, the rest 2-6 times
        for s in rng.permutation(10)[:n_votes]:
            votes.append((f"p{p}", f"s{s}", int(rng.choice([-1, 1]))))
    result = opinion_groups(votes)
    assert len(result.in_conversation) == 15
    assert {f"p{p}" for p in range(5)} <= result.in_conversation
    counts: dict[Hashable, int] = {p: sum(1 for v in votes if v[0] == p) for p in {v[0] for v in votes}}
    left_out = set(counts) - result.in_conversation
    assert max(counts[p] for p in left_out) <= min(counts[p] for p in result.in_conversation)


def test_repness_points_to_the_statements_that_divide() -> None:
    votes, truth = camps([35, 35], TWO, seed=5)
    result = opinion_groups(votes)
    dividing = {f"s{s}" for s in range(16)}
    for group, reps in result.repness.items():
        assert reps, group
        members = [p for p, g in result.groups.items() if g == group]
        camp = truth[str(members[0])]
        for rep in reps:
            assert rep.statement in dividing
            stance = TWO[camp][int(rep.statement[1:])]
            assert rep.direction == ("agree" if stance == 1 else "disagree")
            assert rep.ratio > 1 and rep.ratio_test > 1.2816
            assert 0 < rep.p < 1 and rep.n_success <= rep.n_trials
    # What every camp agrees with is consensus, and tops the group-informed consensus.
    consensus = {c.statement for c in result.consensus if c.direction == "agree"}
    assert consensus and consensus <= {"s16", "s17", "s18", "s19"}
    top = sorted(result.group_informed_consensus, key=result.group_informed_consensus.__getitem__)[-4:]
    assert set(top) == {"s16", "s17", "s18", "s19"}


def test_sign_convention_flips_directions_not_groups() -> None:
    votes, _ = camps([25, 25], TWO, seed=6)
    result = opinion_groups(votes)
    flipped = opinion_groups([(p, s, -v) for p, s, v in votes])
    people = sorted(result.groups, key=str)
    assert adjusted_rand_score([result.groups[p] for p in people], [flipped.groups[p] for p in people]) == 1.0
    consensus = {(c.statement, c.direction) for c in result.consensus}
    flipped_consensus = {(c.statement, "agree" if c.direction == "disagree" else "disagree") for c in flipped.consensus}
    assert consensus == flipped_consensus


def test_hidden_statements_are_never_representative() -> None:
    votes, _ = camps([25, 25], TWO, seed=7)
    hidden = {"s0", "s8", "s16"}
    result = opinion_groups(votes, hidden_statements=hidden)
    assert result.k == 2
    shown = {r.statement for reps in result.repness.values() for r in reps}
    shown |= {c.statement for c in result.consensus} | set(result.group_informed_consensus)
    assert not shown & hidden


def test_same_votes_same_result() -> None:
    votes, _ = camps([30, 20, 10], [TWO[0], TWO[1], [1] * 20], noise=0.3, seed=8, skip=0.3)
    first = opinion_groups(votes)
    again = opinion_groups(list(votes))
    assert first.groups == again.groups
    assert first.projection == again.projection
    assert first.repness == again.repness
    assert first.consensus == again.consensus
    assert first.state.as_dict() == again.state.as_dict()


def test_a_later_run_continues_from_the_stored_state() -> None:
    five = [stance[:5] for stance in TWO]
    votes, truth = camps([20, 20], five, noise=0.0, seed=9)
    first = opinion_groups(votes)
    assert first.in_conversation == set(truth)  # 5 votes of 5 statements: enough
    stored = json.loads(json.dumps(first.state.as_dict()))  # as the app would keep it
    # Newcomers bring 5 more statements; the first 40 now have 5 votes of 10, fewer than min(7, 10).
    newcomers, _ = camps([10, 10], [stance + stance for stance in five], noise=0.0, seed=10)
    newcomers = [(f"new-{p}", f"s{s[1:]}" if int(s[1:]) < 5 else f"t{s[1:]}", v) for p, s, v in newcomers]
    afresh = opinion_groups(votes + newcomers)
    assert not set(truth) & afresh.in_conversation
    continued = opinion_groups(votes + newcomers, previous=OpinionState.from_dict(stored))
    assert set(truth) <= continued.in_conversation  # once in, always in
    assert continued.state.last_k == 2 and continued.k == 2
    assert ari(truth, {p: g for p, g in continued.groups.items() if p in truth}) == 1.0


def test_bad_votes_are_refused() -> None:
    with pytest.raises(ValueError, match="agree"):
        opinion_groups([("p", "s", 2)])


def test_no_votes_no_groups() -> None:
    result = opinion_groups([])
    assert result.k == 0 and result.groups == {} and result.repness == {}


def test_agrees_with_polis_on_a_real_conversation() -> None:
    with open(DATA / "polis-15-per-hour-seattle.csv", newline="") as f:
        votes = [(int(r["voter-id"]), int(r["comment-id"]), int(r["vote"])) for r in csv.DictReader(f)]
    with open(DATA / "polis-15-per-hour-seattle-hidden.csv", newline="") as f:
        hidden = {int(r["comment-id"]) for r in csv.DictReader(f)}
    with open(DATA / "polis-15-per-hour-seattle-groups.csv", newline="") as f:
        polis = {int(r["participant"]): int(r["group-id"]) for r in csv.DictReader(f)}
    result = opinion_groups(votes, hidden_statements=hidden)
    assert result.k == len(set(polis.values())) == 2
    assert set(result.groups) == set(polis)  # the same participants clustered
    people = sorted(polis)
    assert adjusted_rand_score([polis[p] for p in people], [result.groups[p] for p in people]) >= 0.8


def test_a_first_run_does_not_depend_on_who_voted_first() -> None:
    # 240 participants in three camps, with much noise, so there are more distinct opinions than
    # base clusters: the base clusters are grown by splitting off the farthest participant (Polis's
    # clean-start-clusters), not seeded with the first 100 participants to vote.
    stances = [TWO[0], TWO[1], [1] * 10 + [-1] * 10]
    votes, truth = camps([100, 80, 60], stances, noise=0.35, seed=11, skip=0.3)
    later_first = sorted(votes, key=lambda v: -int(v[0][1:]))  # the last participants vote first
    a = opinion_groups(votes)
    b = opinion_groups(later_first)
    assert len({tuple(xy) for xy in a.projection.values()}) > 100

    def partition(groups: dict) -> set[frozenset]:
        return {frozenset(p for p, g in groups.items() if g == k) for k in set(groups.values())}

    assert a.k == b.k
    assert partition(a.groups) == partition(b.groups)
    base = [{frozenset(members) for _, members in r.state.base_clusters} for r in (a, b)]
    assert base[0] == base[1]


def test_agrees_with_polis_on_brexit_without_being_told_the_number_of_groups() -> None:
    # Polis found 2 groups; the silhouettes of 2 to 5 groups are close on this conversation.
    with open(DATA / "polis-brexit-consensus.csv", newline="") as f:
        votes = [(int(r["voter-id"]), int(r["comment-id"]), int(r["vote"])) for r in csv.DictReader(f)]
    with open(DATA / "polis-brexit-consensus-groups.csv", newline="") as f:
        polis = {int(r["participant"]): int(r["group-id"]) for r in csv.DictReader(f)}
    result = opinion_groups(votes)
    assert result.k == 2
    people = sorted(set(polis) & set(result.groups))
    assert len(people) >= 180
    assert adjusted_rand_score([polis[p] for p in people], [result.groups[p] for p in people]) >= 0.8
