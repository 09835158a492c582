"""Opinion groups from agree/disagree/pass votes on statements: the Polis method.

A pure function of the votes (no database, no clock): ``opinion_groups(votes)`` returns who is in
which opinion group, each participant's place on the two-dimensional opinion map, the statements that
set each group apart (representativeness) and the statements every group agrees on (consensus).

It follows Polis's own math (compdemocracy/polis, ``math/src/polismath/math/``), step by step:

1. The participant × statement vote matrix, in Polis's sign convention: **agree is -1, disagree is
   +1**, pass 0, no vote missing (Baraza's convention, +1 agree, is flipped on the way in). A
   participant's latest vote on a statement counts. Statements hidden by moderation (``mod-out``) have
   their column set to 0 for everyone (``nm/zero-out-columns``).
2. Missing votes are filled with the statement's mean vote (the column mean over those who voted).
3. PCA to two components of the centred, filled matrix. Polis finds them by power iteration,
   warm-started from the previous run's components on every update; that converges to the leading
   eigenvectors, which are computed here directly (same subspace, signs fixed deterministically).
4. Each participant is projected using only the statements they voted on, and the projection is
   scaled by ``sqrt(n_statements / n_votes)`` so that sparse voters are not pulled to the centre
   (``pca/sparsity-aware-project-ptpt``).
5. Only participants with at least ``min(7, n_statements)`` votes are clustered (``in-conv``); if that
   leaves fewer than 15, the most active others are added up to 15.
6. Up to 100 **base clusters** by k-means on the projections of those participants.
7. **Groups**: k-means of the base-cluster centres weighted by their sizes, for every k from 2 to
   ``min(5, 2 + n_base_clusters // 12)``; the k with the best silhouette (computed over the base
   clusters, unweighted) is kept.
8. **Representative statements** per group and **consensus** statements with Polis's formulas
   (``repness.clj``): probabilities with a +1/+2 pseudocount, the ratio to the rest of the
   participants, one- and two-proportion z-tests, and Polis's selection rules; and the
   **group-informed consensus** of every statement (the product over groups of the probability that
   a member agrees).

Where Polis depends on its own history (it updates a conversation vote batch after vote batch, each
k-means starting from the previous run's clusters, and it changes the number of groups only after the
same k has won 4 updates in a row), a single run cannot replay that history; see
``docs/insights.md`` ("Opinion groups") for what is done instead and how closely it agrees with Polis
on real conversations.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

# Polis's constants (conversation.clj, repness.clj, stats.clj).
MIN_VOTES = 7  # votes a participant needs to be clustered (or every statement if there are fewer)
GREEDY_N = 15  # if fewer participants qualify, the most active ones are added up to this many
BASE_K = 100  # base clusters
BASE_ITERS = 100
MAX_GROUPS = 5
GROUP_ITERS = 20  # Polis passes :cluster-iters, which kmeans ignores: its default of 20 applies
Z_90 = 1.2816  # one-sided z at 90 %
CONVERGED = 0.01  # k-means stops when no centre moved further than this

Direction = Literal["agree", "disagree"]


@dataclass(frozen=True)
class Repness:
    """Why a statement represents a group: Polis's ``finalize-cmt-stats`` for one group."""

    statement: Hashable
    direction: Direction  # the group agrees (or disagrees) with it more than the rest do
    n_success: int  # members of the group who voted that way
    n_trials: int  # members of the group who voted on it (passes included)
    p: float  # (n_success + 1) / (n_trials + 2)
    p_test: float  # z of the one-proportion test of p against 1/2
    ratio: float  # p divided by the same probability among everyone outside the group
    ratio_test: float  # z of the two-proportion test, group against the rest
    best_agree: bool = False  # Polis's pick of the statement that best shows what the group agrees on

    @property
    def z(self) -> float:
        return self.ratio_test


@dataclass(frozen=True)
class Consensus:
    """A statement most participants agree (or disagree) with: Polis's ``select-consensus-comments``."""

    statement: Hashable
    direction: Direction
    n_success: int
    n_trials: int
    p: float
    p_test: float


@dataclass
class OpinionResult:
    groups: dict[Hashable, int] = field(default_factory=dict)  # only the participants clustered
    projection: dict[Hashable, tuple[float, float]] = field(default_factory=dict)  # every participant
    group_sizes: dict[int, int] = field(default_factory=dict)
    repness: dict[int, list[Repness]] = field(default_factory=dict)
    consensus: list[Consensus] = field(default_factory=list)
    group_informed_consensus: dict[Hashable, float] = field(default_factory=dict)
    k: int = 0
    in_conversation: set[Hashable] = field(default_factory=set)
    silhouettes: dict[int, float] = field(default_factory=dict)  # k -> silhouette over base clusters
    statement_projection: dict[Hashable, tuple[float, float]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# The vote matrix


@dataclass
class _Matrix:
    participants: list[Hashable]
    statements: list[Hashable]
    votes: np.ndarray  # float, Polis's sign (agree -1), NaN where no vote; hidden columns already 0
    raw_counts: np.ndarray  # votes cast per participant, before hidden columns are zeroed


def _vote_matrix(votes: Iterable[tuple[Hashable, Hashable, int]], hidden: Collection[Hashable]) -> _Matrix:
    p_index: dict[Hashable, int] = {}
    s_index: dict[Hashable, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for participant, statement, vote in votes:
        if vote not in (1, 0, -1):
            raise ValueError(f"a vote is +1 (agree), -1 (disagree) or 0 (pass), not {vote!r}")
        rows.append(p_index.setdefault(participant, len(p_index)))
        cols.append(s_index.setdefault(statement, len(s_index)))
        vals.append(-float(vote))  # Polis's math counts agree as -1
    mat = np.full((len(p_index), len(s_index)), np.nan)
    if rows:
        # Later votes overwrite earlier ones, as in Polis's update-nmat.
        mat[np.asarray(rows), np.asarray(cols)] = np.asarray(vals)
    raw_counts = np.sum(~np.isnan(mat), axis=1)
    hidden_cols = [s_index[s] for s in hidden if s in s_index]
    if hidden_cols:
        mat[:, hidden_cols] = 0.0
    return _Matrix(list(p_index), list(s_index), mat, raw_counts)


def _in_conversation(raw_counts: np.ndarray, n_statements: int) -> np.ndarray:
    """Row indices of the participants Polis clusters (``:in-conv``)."""
    enough = raw_counts >= min(MIN_VOTES, n_statements)
    chosen = list(np.flatnonzero(enough))
    if len(chosen) < GREEDY_N:
        rest = np.flatnonzero(~enough & (raw_counts > 0))
        rest = rest[np.argsort(-raw_counts[rest], kind="stable")]
        chosen.extend(rest[: GREEDY_N - len(chosen)])
    return np.sort(np.asarray(chosen, dtype=int))


# ---------------------------------------------------------------------------------------------
# PCA and projection


def _pca(filled: np.ndarray, n_comps: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Centre and the first ``n_comps`` principal axes (rows) of ``filled``."""
    center = filled.mean(axis=0)
    centred = filled - center
    n, m = centred.shape
    comps = np.zeros((n_comps, m))
    if n == 0 or m == 0:
        return center, comps
    if m <= n:
        evals, evecs = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(evals)[::-1][:n_comps]
        axes = evecs[:, order].T
        evals = evals[order]
    else:
        evals, evecs = np.linalg.eigh(centred @ centred.T)
        order = np.argsort(evals)[::-1][:n_comps]
        evals = evals[order]
        axes = (centred.T @ evecs[:, order]).T
        norms = np.linalg.norm(axes, axis=1, keepdims=True)
        axes = np.divide(axes, norms, out=np.zeros_like(axes), where=norms > 0)
    for i, (value, axis) in enumerate(zip(evals, axes, strict=False)):
        if value <= 1e-12:
            continue  # no variance left: Polis keeps a zero component
        # A deterministic sign: the largest entry positive.
        if axis[np.argmax(np.abs(axis))] < 0:
            axis = -axis
        comps[i] = axis
    return center, comps


def _project(mat: np.ndarray, center: np.ndarray, comps: np.ndarray) -> np.ndarray:
    voted = ~np.isnan(mat)
    centred = np.where(voted, mat - center, 0.0)
    proj = centred @ comps.T
    n_votes = voted.sum(axis=1)
    scale = np.sqrt(mat.shape[1] / np.maximum(n_votes, 1))
    return proj * scale[:, None]


# ---------------------------------------------------------------------------------------------
# k-means as Polis runs it


def _distinct_first(points: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` distinct rows, in order (Polis's ``init-clusters``)."""
    _, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)[:k]].copy()


def _assign(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    d = (
        np.sum(points**2, axis=1)[:, None]
        - 2 * points @ centers.T
        + np.sum(centers**2, axis=1)[None, :]
    )
    return np.argmin(d, axis=1)


def _kmeans(
    points: np.ndarray, centers: np.ndarray, weights: np.ndarray | None, max_iters: int
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means as Polis's ``kmeans``: empty clusters are dropped; labels index the centres."""
    w = np.ones(len(points)) if weights is None else weights
    labels = _assign(points, centers)
    for _ in range(max_iters + 1):
        used = np.unique(labels)
        new_centers = np.empty((len(used), points.shape[1]))
        for j, c in enumerate(used):
            members = labels == c
            new_centers[j] = np.average(points[members], axis=0, weights=w[members])
        moved = len(used) == len(centers) and np.all(
            np.linalg.norm(new_centers - centers[used], axis=1) < CONVERGED
        )
        centers = new_centers
        labels = _assign(points, centers)
        if moved:
            break
    return centers, labels


def _inertia(points: np.ndarray, centers: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    return float(np.sum(weights * np.sum((points - centers[labels]) ** 2, axis=1)))


def _silhouette(dist: np.ndarray, labels: np.ndarray) -> float:
    """Polis's silhouette over base clusters: unweighted; a base cluster alone in its group scores 0."""
    n = len(labels)
    groups = np.unique(labels)
    if len(groups) < 2:
        return 0.0
    scores = np.zeros(n)
    for i in range(n):
        same = labels == labels[i]
        same[i] = False
        if not same.any():
            continue
        a = dist[i, same].mean()
        b = min(dist[i, labels == g].mean() for g in groups if g != labels[i])
        top = max(a, b)
        scores[i] = 0.0 if top == 0 else (b - a) / top
    return float(scores.mean())


def _group_clustering(
    centers: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator, restarts: int
) -> np.ndarray:
    """Weighted k-means of base-cluster centres into k groups; the best of several starts.

    Polis starts each update from the previous update's groups, which a single run does not have.
    Its first start is the first k distinct base centres; further starts here are k-means++ seeds,
    and the start with the lowest weighted inertia wins (the state Polis's warm starts settle in).
    """
    best: tuple[float, np.ndarray] | None = None
    starts = [_distinct_first(centers, k)]
    for _ in range(restarts):
        starts.append(_plusplus(centers, weights, k, rng))
    for start in starts:
        c, labels = _kmeans(centers, start, weights, GROUP_ITERS)
        score = _inertia(centers, c, labels, weights)
        if best is None or score < best[0] - 1e-9:
            best = (score, labels)
    assert best is not None
    return best[1]


def _plusplus(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    chosen = [int(rng.choice(len(points), p=weights / weights.sum()))]
    d2 = np.sum((points - points[chosen[0]]) ** 2, axis=1)
    while len(chosen) < k:
        p = weights * d2
        if p.sum() <= 0:
            break
        nxt = int(rng.choice(len(points), p=p / p.sum()))
        chosen.append(nxt)
        d2 = np.minimum(d2, np.sum((points - points[nxt]) ** 2, axis=1))
    return points[chosen].copy()


# ---------------------------------------------------------------------------------------------
# Representativeness and consensus (repness.clj, stats.clj)


def _prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 2 * np.sqrt(n + 1) * ((succ + 1) / (n + 1) - 0.5)


def _two_prop_test(succ_in: np.ndarray, succ_out: np.ndarray, pop_in: np.ndarray, pop_out: np.ndarray) -> np.ndarray:
    s1, s2, n1, n2 = succ_in + 1, succ_out + 1, pop_in + 1, pop_out + 1
    pi1, pi2 = s1 / n1, s2 / n2
    pi_hat = (s1 + s2) / (n1 + n2)
    denom = np.sqrt(pi_hat * (1 - pi_hat) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (pi1 - pi2) / denom
    return np.where(pi_hat == 1, 0.0, z)


def _repness(
    mat: np.ndarray,
    statements: list[Hashable],
    members: list[np.ndarray],
    hidden: set[int],
) -> dict[int, list[Repness]]:
    voted = ~np.isnan(mat)
    agree = (mat == -1).astype(float)
    disagree = (mat == 1).astype(float)
    na = np.array([agree[m].sum(axis=0) for m in members])
    nd = np.array([disagree[m].sum(axis=0) for m in members])
    ns = np.array([voted[m].sum(axis=0) for m in members])
    pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
    pat, pdt = _prop_test(na, ns), _prop_test(nd, ns)
    na_rest, nd_rest, ns_rest = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    ra = pa / ((1 + na_rest) / (2 + ns_rest))
    rd = pd / ((1 + nd_rest) / (2 + ns_rest))
    rat = _two_prop_test(na, na_rest, ns, ns_rest)
    rdt = _two_prop_test(nd, nd_rest, ns, ns_rest)

    def final(g: int, j: int, best_agree: bool = False) -> Repness:
        if rat[g, j] > rdt[g, j]:
            fields = (int(na[g, j]), pa[g, j], pat[g, j], ra[g, j], rat[g, j], "agree")
        else:
            fields = (int(nd[g, j]), pd[g, j], pdt[g, j], rd[g, j], rdt[g, j], "disagree")
        n_success, p, p_test, ratio, ratio_test, direction = fields
        return Repness(
            statement=statements[j],
            direction=direction,  # type: ignore[arg-type]
            n_success=n_success,
            n_trials=int(ns[g, j]),
            p=float(p),
            p_test=float(p_test),
            ratio=float(ratio),
            ratio_test=float(ratio_test),
            best_agree=best_agree,
        )

    result: dict[int, list[Repness]] = {}
    for g in range(len(members)):
        sufficient: list[int] = []
        best: int | None = None
        best_agree: int | None = None
        for j in range(len(statements)):
            if j in hidden:
                continue
            if (rat[g, j] > Z_90 and pat[g, j] > Z_90) or (rdt[g, j] > Z_90 and pdt[g, j] > Z_90):
                sufficient.append(j)
            if not sufficient and (best is None or max(rat[g, j], rdt[g, j]) > _best_test(best, g, rat, rdt, pat, pdt)):
                best = j
            if _beats_best_agree(g, j, best_agree, na, nd, ra, rat, pa, pat):
                best_agree = j
        head = [final(g, best_agree, best_agree=True)] if best_agree is not None else []
        if not sufficient:
            result[g] = head or ([final(g, best)] if best is not None else [])
            continue
        chosen = [final(g, j) for j in sufficient if j != best_agree]
        chosen.sort(key=lambda r: -(r.ratio * r.ratio_test * r.p * r.p_test))
        top = (head + chosen)[:5]
        result[g] = [r for r in top if r.direction == "agree"] + [r for r in top if r.direction == "disagree"]
    return result


def _best_test(j: int, g: int, rat: np.ndarray, rdt: np.ndarray, pat: np.ndarray, pdt: np.ndarray) -> float:
    # Polis compares against the repness-test of the finalized best: the test of the direction chosen.
    return float(rat[g, j] if rat[g, j] > rdt[g, j] else rdt[g, j])


def _beats_best_agree(g: int, j: int, best: int | None, na, nd, ra, rat, pa, pat) -> bool:  # type: ignore[no-untyped-def]
    if na[g, j] == 0 and nd[g, j] == 0:
        return False
    if best is not None and ra[g, best] > 1.0:
        return bool(ra[g, j] * rat[g, j] * pa[g, j] * pat[g, j] > ra[g, best] * rat[g, best] * pa[g, best] * pat[g, best])
    if best is not None:
        return bool(pa[g, j] * pat[g, j] > pa[g, best] * pat[g, best])
    return bool(pat[g, j] > Z_90 or (ra[g, j] > 1.0 and pa[g, j] > 0.5))


def _consensus(mat: np.ndarray, statements: list[Hashable], hidden: set[int]) -> list[Consensus]:
    voted = ~np.isnan(mat)
    na = (mat == -1).sum(axis=0).astype(float)
    nd = (mat == 1).sum(axis=0).astype(float)
    ns = voted.sum(axis=0).astype(float)
    out: list[Consensus] = []
    for direction, n in (("agree", na), ("disagree", nd)):
        p = (n + 1) / (ns + 2)
        z = _prop_test(n, ns)
        keep = [j for j in range(len(statements)) if j not in hidden and p[j] > 0.5 and z[j] > Z_90]
        keep.sort(key=lambda j: -(p[j] * z[j]))
        for j in keep[:5]:
            out.append(
                Consensus(statements[j], direction, int(n[j]), int(ns[j]), float(p[j]), float(z[j]))  # type: ignore[arg-type]
            )
    return out


# ---------------------------------------------------------------------------------------------


def opinion_groups(
    votes: Iterable[tuple[Hashable, Hashable, int]],
    *,
    seed: int = 0,
    hidden_statements: Collection[Hashable] = (),
    restarts: int = 10,
) -> OpinionResult:
    """Opinion groups of a conversation, by the Polis method (see the module docstring).

    ``votes``: (participant, statement, vote) with Baraza's convention, +1 agree, -1 disagree, 0 pass,
    in the order they were cast (a later vote on the same statement replaces an earlier one; the order
    of first appearance is also the order Polis's k-means starts from). ``hidden_statements``: statements
    moderated out; they keep their column, set to 0, as in Polis, and are never representative.
    ``seed`` makes the extra k-means starts reproducible: the same votes and seed give the same result.
    """
    m = _vote_matrix(votes, hidden_statements)
    result = OpinionResult()
    n_part, n_stmt = m.votes.shape
    if n_part == 0 or n_stmt == 0:
        return result
    hidden_idx = {j for j, s in enumerate(m.statements) if s in set(hidden_statements)}

    col_mean = np.nanmean(m.votes, axis=0)
    filled = np.where(np.isnan(m.votes), col_mean, m.votes)
    center, comps = _pca(filled)
    proj = _project(m.votes, center, comps)
    result.projection = {p: (float(x), float(y)) for p, (x, y) in zip(m.participants, proj, strict=True)}
    stmt_proj = _project(np.where(np.eye(n_stmt) == 1, -1.0, np.nan), center, comps)
    result.statement_projection = {s: (float(x), float(y)) for s, (x, y) in zip(m.statements, stmt_proj, strict=True)}

    in_conv = _in_conversation(m.raw_counts, n_stmt)
    result.in_conversation = {m.participants[i] for i in in_conv}
    points = proj[in_conv]
    if len(points) == 0:
        return result

    # Base clusters.
    base_start = _distinct_first(points, BASE_K)
    base_centers, base_labels = _kmeans(points, base_start, None, BASE_ITERS)
    base_weights = np.bincount(base_labels, minlength=len(base_centers)).astype(float)

    # Groups: k from 2 to max, best silhouette over the base clusters.
    n_base = len(base_centers)
    max_k = min(MAX_GROUPS, 2 + n_base // 12)
    rng = np.random.default_rng(seed)
    dist = np.linalg.norm(base_centers[:, None, :] - base_centers[None, :, :], axis=2)
    best_k, best_labels, best_score = 1, np.zeros(n_base, dtype=int), -np.inf
    for k in range(2, max_k + 1):
        if k > n_base:
            break
        labels = _group_clustering(base_centers, base_weights, k, rng, restarts)
        score = _silhouette(dist, labels)
        result.silhouettes[k] = score
        if score > best_score + 1e-12:
            best_k, best_labels, best_score = len(np.unique(labels)), labels, score

    # Number groups by size (largest first), ties by who voted first.
    member_group = best_labels[base_labels]
    order = sorted(np.unique(member_group), key=lambda g: (-np.sum(member_group == g), np.argmax(member_group == g)))
    renumber = {int(g): i for i, g in enumerate(order)}
    member_group = np.array([renumber[int(g)] for g in member_group])
    result.k = best_k
    result.groups = {m.participants[i]: int(g) for i, g in zip(in_conv, member_group, strict=True)}
    result.group_sizes = {g: int(np.sum(member_group == g)) for g in range(best_k)}

    members = [in_conv[member_group == g] for g in range(best_k)]
    result.repness = _repness(m.votes, m.statements, members, hidden_idx)
    result.consensus = _consensus(m.votes, m.statements, hidden_idx)
    # Group-informed consensus (conversation.clj :group-aware-consensus), on the votes as cast.
    raw = m.votes
    gic = np.ones(n_stmt)
    for rows in members:
        a = np.sum(raw[rows] == -1, axis=0)
        s = np.sum(~np.isnan(raw[rows]), axis=0)
        gic *= (a + 1.0) / (s + 2.0)
    result.group_informed_consensus = {
        s: float(gic[j]) for j, s in enumerate(m.statements) if j not in hidden_idx
    }
    return result
