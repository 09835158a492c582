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
6. Up to 100 **base clusters** by k-means on the projections of those participants. They start
   from the last run's base clusters; on a first run, from one cluster of everyone, split as Polis's
   ``clean-start-clusters`` splits (the point farthest from every centre becomes a new cluster) until
   there are 100: over a conversation's updates Polis fills and refills its base clusters that way
   (a cluster left empty is dropped and the most distant point split off next time), rather than
   from the first 100 distinct points, which is its start only for the very first update.
7. **Groups**: k-means of the base-cluster centres weighted by their sizes, for every k from 2 to
   ``min(5, 2 + n_base_clusters // 12)``, each from the last run's groups for that k or, on a first
   run, grown the same way from one group of every base cluster; the k with the best silhouette
   (computed over the base clusters, unweighted) is kept, smoothed over runs (see below).
8. **Representative statements** per group and **consensus** statements with Polis's formulas
   (``repness.clj``): probabilities with a +1/+2 pseudocount, the ratio to the rest of the
   participants, one- and two-proportion z-tests, and Polis's selection rules; and the
   **group-informed consensus** of every statement (the product over groups of the probability that
   a member agrees).

Polis depends on its own history: it updates a conversation vote batch after vote batch, each
k-means starting from the previous update's clusters, and it changes the number of groups only after
the same new k has won 4 updates in a row. Passing the last run's ``state`` as ``previous=`` does the
same. A first run has no history; ``docs/insights.md`` ("Opinion groups") says what is done instead
and how closely the results agree with Polis's on real conversations.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
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
K_BUFFER = 4  # a new number of groups must win this many runs in a row before it is used

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
class OpinionState:
    """What Polis carries from one update of a conversation to the next.

    Pass ``result.state`` back as ``previous=`` on the next run (after new votes) to continue the
    conversation as Polis does: participants once clustered stay in, k-means starts from the last
    clusters, the axes keep their orientation, and the number of groups changes only once the same
    new k has won four runs in a row. ``as_dict``/``from_dict`` give a JSON-ready form when
    participant and statement keys are strings or integers.
    """

    in_conversation: list[Hashable] = field(default_factory=list)
    components: dict[Hashable, tuple[float, float]] = field(default_factory=dict)
    base_clusters: list[tuple[int, list[Hashable]]] = field(default_factory=list)
    group_clusterings: dict[int, list[tuple[int, list[int]]]] = field(default_factory=dict)
    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None

    def as_dict(self) -> dict:
        return {
            "in_conversation": list(self.in_conversation),
            "components": [[s, x, y] for s, (x, y) in self.components.items()],
            "base_clusters": [[cid, list(members)] for cid, members in self.base_clusters],
            "group_clusterings": [
                [k, [[cid, list(members)] for cid, members in clusters]] for k, clusters in self.group_clusterings.items()
            ],
            "last_k": self.last_k,
            "last_k_count": self.last_k_count,
            "smoothed_k": self.smoothed_k,
        }

    @classmethod
    def from_dict(cls, data: dict) -> OpinionState:
        return cls(
            in_conversation=list(data["in_conversation"]),
            components={s: (float(x), float(y)) for s, x, y in data["components"]},
            base_clusters=[(int(cid), list(members)) for cid, members in data["base_clusters"]],
            group_clusterings={
                int(k): [(int(cid), [int(m) for m in members]) for cid, members in clusters]
                for k, clusters in data["group_clusterings"]
            },
            last_k=data["last_k"],
            last_k_count=int(data["last_k_count"]),
            smoothed_k=data["smoothed_k"],
        )


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
    state: OpinionState = field(default_factory=OpinionState)


# ---------------------------------------------------------------------------------------------
# The vote matrix


@dataclass
class _Matrix:
    participants: list[Hashable]
    statements: list[Hashable]
    votes: np.ndarray  # float, Polis's sign (agree -1), NaN where no vote; hidden columns already 0
    raw_counts: np.ndarray  # votes cast per participant, before hidden columns are zeroed


def _vote_matrix(votes: Iterable[tuple[Hashable, Hashable, int]], hidden: Collection[Hashable]) -> _Matrix:
    triples = list(votes)
    if not triples:
        return _Matrix([], [], np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=int))
    # Three comprehensions, not zip(*triples): unpacking a million arguments is many times slower.
    try:
        ps = [t[0] for t in triples]
        ss = [t[1] for t in triples]
        vs = [t[2] for t in triples]
    except (IndexError, TypeError) as exc:
        raise ValueError("each vote is a (participant, statement, vote) triple") from exc
    bad = set(vs) - {1, 0, -1}
    if bad:
        raise ValueError(f"a vote is +1 (agree), -1 (disagree) or 0 (pass), not {sorted(map(repr, bad))[0]}")
    participants = list(dict.fromkeys(ps))
    statements = list(dict.fromkeys(ss))
    p_index = {p: i for i, p in enumerate(participants)}
    s_index = {st: i for i, st in enumerate(statements)}
    rows = np.fromiter(map(p_index.__getitem__, ps), dtype=np.int64, count=len(ps))
    cols = np.fromiter(map(s_index.__getitem__, ss), dtype=np.int64, count=len(ss))
    # Polis's math counts agree as -1: Baraza's +1 agree is flipped.
    vals = -np.fromiter(vs, dtype=float, count=len(vs))
    # float32 halves the memory of a large conversation; votes and their means need no more.
    mat = np.full((len(participants), len(statements)), np.nan, dtype=np.float32)
    # Later votes overwrite earlier ones (numpy keeps the last of repeated indices), as update-nmat does.
    mat[rows, cols] = vals
    raw_counts = np.sum(~np.isnan(mat), axis=1)
    hidden_cols = [s_index[st] for st in hidden if st in s_index]
    if hidden_cols:
        mat[:, hidden_cols] = 0.0
    return _Matrix(participants, statements, mat, raw_counts)


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


def _pca(centred: np.ndarray, n_comps: int = 2) -> np.ndarray:
    """The first ``n_comps`` principal axes (rows) of an already centred matrix.

    Polis's power iteration converges to these; here they are the leading eigenvectors of the
    covariance, found densely for small matrices and by Lanczos iteration (from a fixed start, so
    deterministically) for large ones. An axis without variance stays zero, as in Polis.
    """
    n, m = centred.shape
    comps = np.zeros((n_comps, m))
    if n == 0 or m == 0:
        return comps
    if min(n, m) <= 400 or min(n, m) <= n_comps + 1:
        if m <= n:
            evals, evecs = np.linalg.eigh((centred.T @ centred).astype(float))
            order = np.argsort(evals)[::-1][:n_comps]
            evals, axes = evals[order], evecs[:, order].T
        else:
            evals, evecs = np.linalg.eigh((centred @ centred.T).astype(float))
            order = np.argsort(evals)[::-1][:n_comps]
            evals, axes = evals[order], (centred.T @ evecs[:, order].astype(centred.dtype)).T.astype(float)
    else:
        from scipy.sparse.linalg import LinearOperator, eigsh

        def covariance(v: np.ndarray) -> np.ndarray:
            # In the matrix's own precision: a float64 vector would make numpy copy the matrix.
            return (centred.T @ (centred @ v.astype(centred.dtype).ravel())).astype(float)

        operator = LinearOperator((m, m), matvec=covariance, dtype=float)
        evals, evecs = eigsh(operator, k=n_comps, which="LA", v0=np.ones(m), tol=1e-8)
        order = np.argsort(evals)[::-1]
        evals, axes = evals[order], evecs[:, order].T
    norms = np.linalg.norm(axes, axis=1)
    for i, (value, axis, norm) in enumerate(zip(evals, axes, norms, strict=False)):
        if value > 1e-9 * max(1.0, float(evals[0])) and norm > 0:
            comps[i] = axis / norm
    return comps


def _project(centred: np.ndarray, n_votes: np.ndarray, comps: np.ndarray) -> np.ndarray:
    """Polis's ``sparsity-aware-project-ptpt``: the projection of the votes cast only, scaled by
    ``sqrt(n_statements / n_votes)``. ``centred`` is the mean-filled matrix minus the column means,
    which is exactly 0 where no vote was cast, so a product with it sums over the votes cast."""
    scale = np.sqrt(centred.shape[1] / np.maximum(n_votes, 1))
    return (centred @ comps.T.astype(centred.dtype)).astype(float) * scale[:, None]


# ---------------------------------------------------------------------------------------------
# k-means as Polis runs it (clusters.clj)


@dataclass
class _Clusters:
    """A clustering: cluster ids, their centres, and each point's cluster (an index into ``ids``)."""

    ids: list[int]
    centers: np.ndarray
    labels: np.ndarray

    def members(self, names: Sequence[Hashable]) -> list[list[Hashable]]:
        out: list[list[Hashable]] = [[] for _ in self.ids]
        for name, label in zip(names, self.labels, strict=True):
            out[label].append(name)
        return out


def _distinct_first(points: np.ndarray, k: int) -> np.ndarray:
    """Indices of the first ``k`` distinct rows, in order (Polis's ``init-clusters``)."""
    if len(points) == 0:
        return np.zeros(0, dtype=int)
    _, first = np.unique(points, axis=0, return_index=True)
    return np.sort(first)[:k]


def _sq_dist(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    d = np.sum(points**2, axis=1)[:, None] - 2 * points @ centers.T + np.sum(centers**2, axis=1)[None, :]
    return np.maximum(d, 0.0)


def _nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """The nearest centre of every point (the first one on a tie)."""
    if len(points) * len(centers) <= 200_000:
        return np.argmin(_sq_dist(points, centers), axis=1)
    from scipy.spatial import cKDTree

    return cKDTree(centers).query(points)[1]


def _weighted_centers(points: np.ndarray, labels: np.ndarray, n: int, w: np.ndarray) -> np.ndarray:
    totals = np.bincount(labels, weights=w, minlength=n)
    centers = np.column_stack([np.bincount(labels, weights=w * points[:, d], minlength=n) for d in range(points.shape[1])])
    with np.errstate(invalid="ignore", divide="ignore"):
        return centers / totals[:, None]


def _same_clustering(a: np.ndarray, b: np.ndarray) -> bool:
    """Polis's ``same-clustering?``: sorted centres pairwise closer than 0.01."""
    sa = a[np.lexsort(a.T[::-1])]
    sb = b[np.lexsort(b.T[::-1])]
    n = min(len(sa), len(sb))
    return bool(np.all(np.linalg.norm(sa[:n] - sb[:n], axis=1) < CONVERGED))


def _step(points: np.ndarray, w: np.ndarray, ids: list[int], centers: np.ndarray) -> _Clusters:
    """One k-means step (``cluster-step``): assign, drop empty clusters, move centres to the weighted mean."""
    labels = _nearest(points, centers)
    # Clusters in id order, as Polis sorts them (the order a first run of the groups starts from).
    used = sorted(np.unique(labels).tolist(), key=ids.__getitem__)
    remap = np.full(len(ids), -1)
    remap[used] = np.arange(len(used))
    labels = remap[labels]
    new_centers = _weighted_centers(points, labels, len(used), w)
    return _Clusters([ids[i] for i in used], new_centers, labels)


def _clean_start(
    names: Sequence[Hashable], points: np.ndarray, w: np.ndarray, last: Sequence[tuple[int, Sequence[Hashable]]], k: int
) -> tuple[list[int], np.ndarray]:
    """Polis's ``clean-start-clusters``: last run's clusters recentred on their members' new positions,
    identical ones merged, then the most distant point split off as a new cluster until there are k."""
    index = {name: i for i, name in enumerate(names)}
    labels = np.full(len(names), -1)
    ids: list[int] = []
    for cid, members in last:
        rows = [index[m] for m in members if m in index]
        if rows:
            labels[rows] = len(ids)
            ids.append(cid)
    if not ids:
        ids = [max((cid for cid, _ in last), default=-1) + 1]
        labels[:] = 0

    def centres() -> np.ndarray:
        mask = labels >= 0
        return _weighted_centers(points[mask], labels[mask], len(ids), w[mask])

    # Merge clusters whose centres coincide (``uniqify-clusters``); the larger one keeps its id.
    centers = centres()
    sizes = np.bincount(labels[labels >= 0], minlength=len(ids))
    seen: dict[tuple[float, ...], int] = {}
    target = np.arange(len(ids))
    for i, c in enumerate(centers):
        key = tuple(c.tolist())
        if key in seen:
            j = seen[key]
            target[i] = j
            if sizes[i] >= sizes[j]:
                ids[j] = ids[i]
            sizes[j] += sizes[i]
        else:
            seen[key] = i
    if len(seen) < len(ids):
        keep = sorted(seen.values())
        pos = {old: new for new, old in enumerate(keep)}
        labels = np.where(labels >= 0, np.array([pos[target[i]] for i in range(len(ids))])[np.maximum(labels, 0)], -1)
        ids = [ids[i] for i in keep]
        centers = centres()
    possible = min(k, len(_distinct_first(points, len(points))))
    while possible > len(ids):
        nearest = _nearest(points, centers)
        d = np.sum((points - centers[nearest]) ** 2, axis=1)
        outlier = int(np.argmax(d))
        if d[outlier] <= 0:
            break
        old = labels[outlier]
        labels[outlier] = len(ids)
        ids.append(max(ids) + 1)
        if old >= 0 and not np.any(labels == old):
            # The outlier was alone in its cluster: that cluster is gone.
            labels = np.where(labels > old, labels - 1, labels)
            del ids[old]
        centers = centres()
    return ids, centers


def _kmeans(
    names: Sequence[Hashable],
    points: np.ndarray,
    k: int,
    *,
    last: Sequence[tuple[int, Sequence[Hashable]]] | None = None,
    weights: np.ndarray | None = None,
    max_iters: int = GROUP_ITERS,
) -> _Clusters:
    """Polis's ``kmeans``: from last run's clusters when there are some, else from the first k distinct points."""
    w = np.ones(len(points)) if weights is None else weights
    if last:
        ids, centers = _clean_start(names, points, w, last, k)
    else:
        first = _distinct_first(points, k)
        ids, centers = list(range(len(first))), points[first].copy()
    clusters = _Clusters(ids, centers, np.zeros(0, dtype=int))
    for iteration in range(max_iters, -1, -1):
        new = _step(points, w, clusters.ids, clusters.centers)
        if iteration == 0 or _same_clustering(clusters.centers, new.centers):
            return new
        clusters = new
    return clusters  # not reached


def _grown(names: Sequence[Hashable]) -> list[tuple[int, Sequence[Hashable]]]:
    """The start of a k-means without a previous run: one cluster of everyone, which Polis's
    ``clean-start-clusters`` then splits, farthest point first, into k (see ``_clean_start``).

    Over a conversation's updates Polis's clusters are grown and refilled that way: clusters are
    recentred on their members, one left empty is dropped, and the point farthest from every centre
    is split off until there are k again. Polis's very first update starts from the first k distinct
    points instead (``init-clusters``), but a conversation's first update has only its first few
    voters; starting a whole conversation from its first voters makes the result depend on who
    happened to vote first.
    """
    return [(0, list(names))]


def _silhouette(dist: np.ndarray, labels: np.ndarray) -> float:
    """Polis's silhouette over base clusters: unweighted; a base cluster alone in its group scores 0."""
    groups = np.unique(labels)
    if len(groups) < 2:
        return 0.0
    onehot = (labels[:, None] == groups[None, :]).astype(float)
    sums = dist @ onehot  # distance from each base cluster to all members of each group
    counts = onehot.sum(axis=0)
    own = np.searchsorted(groups, labels)
    n_own = counts[own] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        a = sums[np.arange(len(labels)), own] / n_own
        means = sums / counts[None, :]
    means[np.arange(len(labels)), own] = np.inf
    b = means.min(axis=1)
    top = np.maximum(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where((n_own == 0) | (top == 0), 0.0, (b - a) / top)
    return float(s.mean())


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


def _group_counts(mat: np.ndarray, members: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agrees, disagrees and votes (passes included) per group and statement."""
    na = np.zeros((len(members), mat.shape[1]))
    nd = np.zeros_like(na)
    ns = np.zeros_like(na)
    for g, rows in enumerate(members):
        block = mat[rows]
        na[g] = np.count_nonzero(block == -1, axis=0)
        nd[g] = np.count_nonzero(block == 1, axis=0)
        ns[g] = np.count_nonzero(~np.isnan(block), axis=0)
    return na, nd, ns


def _repness(
    counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    statements: list[Hashable],
    hidden: set[int],
) -> dict[int, list[Repness]]:
    na, nd, ns = counts
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
    for g in range(len(na)):
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
    hidden_statements: Collection[Hashable] = (),
    previous: OpinionState | None = None,
) -> OpinionResult:
    """Opinion groups of a conversation, by the Polis method (see the module docstring).

    ``votes``: (participant, statement, vote) with Baraza's convention, +1 agree, -1 disagree, 0 pass,
    in the order they were cast (a later vote on the same statement replaces an earlier one).
    ``hidden_statements``:
    statements moderated out; as in Polis their column is set to 0 and they are never representative
    or consensus. ``previous``: the ``state`` of this conversation's last run, to continue it as Polis
    does (see ``OpinionState``). The same votes and state always give the same result.
    """
    hidden = set(hidden_statements)
    m = _vote_matrix(votes, hidden)
    prev = previous or OpinionState()
    result = OpinionResult()
    n_part, n_stmt = m.votes.shape
    if n_part == 0 or n_stmt == 0:
        result.state = prev
        return result
    hidden_idx = {j for j, s in enumerate(m.statements) if s in hidden}

    # PCA of the vote matrix with missing votes filled by the statement's mean. Centring the filled
    # matrix leaves 0 where no vote was cast.
    voted = ~np.isnan(m.votes)
    n_voted = np.count_nonzero(voted, axis=0)
    center = np.where(voted, m.votes, np.float32(0.0)).sum(axis=0, dtype=float) / np.maximum(n_voted, 1)
    centred = np.where(voted, m.votes - center.astype(np.float32), np.float32(0.0))
    comps = _orient(_pca(centred), m.statements, prev.components)
    proj = _project(centred, voted.sum(axis=1), comps)
    del centred
    result.projection = {p: (float(x), float(y)) for p, (x, y) in zip(m.participants, proj, strict=True)}
    # A statement's place: where someone who agreed with it alone would be (Polis's pca-project-cmnts).
    stmt_centred = np.diag(-1.0 - center)
    stmt_proj = (stmt_centred @ comps.T) * np.sqrt(n_stmt)
    result.statement_projection = {s: (float(x), float(y)) for s, (x, y) in zip(m.statements, stmt_proj, strict=True)}

    # Who is clustered: once in, always in.
    row_of = {p: i for i, p in enumerate(m.participants)}
    in_conv_rows = set(_in_conversation(m.raw_counts, n_stmt).tolist())
    in_conv_rows |= {row_of[p] for p in prev.in_conversation if p in row_of}
    in_conv = np.array(sorted(in_conv_rows), dtype=int)
    in_names = [m.participants[i] for i in in_conv]
    state = OpinionState(
        in_conversation=in_names,
        components={s: (float(comps[0, j]), float(comps[1, j])) for j, s in enumerate(m.statements)},
    )
    result.in_conversation = set(in_names)
    result.state = state
    points = proj[in_conv]

    # Base clusters. Without a previous run, they are grown as Polis grows them over a conversation's
    # updates: ``clean-start-clusters`` splits the point farthest from every centre into a cluster of
    # its own until there are 100 (or as many as distinct points), here from one cluster of everyone.
    base = _kmeans(in_names, points, BASE_K, last=prev.base_clusters or _grown(in_names), max_iters=BASE_ITERS)
    state.base_clusters = list(zip(base.ids, base.members(in_names), strict=True))
    base_weights = np.bincount(base.labels, minlength=len(base.ids)).astype(float)
    n_base = len(base.ids)

    # Groups: for each k, weighted k-means of the base clusters; the best silhouette, smoothed.
    dist = np.sqrt(_sq_dist(base.centers, base.centers))
    clusterings: dict[int, _Clusters] = {}
    for k in range(2, min(MAX_GROUPS, 2 + n_base // 12) + 1):
        last = prev.group_clusterings.get(k) or _grown(base.ids)
        clustering = _kmeans(base.ids, base.centers, k, last=last, weights=base_weights)
        clusterings[k] = clustering
        result.silhouettes[k] = _silhouette(dist, clustering.labels)
        state.group_clusterings[k] = [(cid, [int(b) for b in bids]) for cid, bids in zip(clustering.ids, clustering.members(base.ids), strict=True)]  # type: ignore[call-overload]
    if not clusterings:
        # Too few distinct opinions to split: one group.
        clusterings[1] = _Clusters([0], base.centers.mean(axis=0, keepdims=True), np.zeros(n_base, dtype=int))
        this_k = 1
    else:
        this_k = max(clusterings, key=lambda k: (result.silhouettes[k], k))
    state.last_k = this_k
    state.last_k_count = prev.last_k_count + 1 if prev.last_k == this_k else 1
    if state.last_k_count >= K_BUFFER or prev.smoothed_k not in clusterings:
        state.smoothed_k = this_k
    else:
        state.smoothed_k = prev.smoothed_k
    chosen = clusterings[state.smoothed_k]

    # Groups numbered by size, largest first (ties: who voted first).
    member_group = chosen.labels[base.labels]
    order = sorted(set(member_group.tolist()), key=lambda g: (-int(np.sum(member_group == g)), int(np.argmax(member_group == g))))
    renumber = np.zeros(len(chosen.ids), dtype=int)
    for new, old in enumerate(order):
        renumber[old] = new
    member_group = renumber[member_group]
    result.k = len(order)
    result.groups = {name: int(g) for name, g in zip(in_names, member_group, strict=True)}
    result.group_sizes = {g: int(np.sum(member_group == g)) for g in range(result.k)}

    members = [in_conv[member_group == g] for g in range(result.k)]
    counts = _group_counts(m.votes, members)
    result.repness = _repness(counts, m.statements, hidden_idx)
    result.consensus = _consensus(m.votes, m.statements, hidden_idx)
    # Group-informed consensus (conversation.clj :group-aware-consensus): the product over groups of
    # the probability that a member agrees, with Polis's +1/+2 prior.
    na, _, ns = counts
    gic = np.prod((na + 1.0) / (ns + 2.0), axis=0)
    result.group_informed_consensus = {s: float(gic[j]) for j, s in enumerate(m.statements) if j not in hidden_idx}
    return result


def _orient(comps: np.ndarray, statements: list[Hashable], previous: dict[Hashable, tuple[float, float]]) -> np.ndarray:
    """Keep the axes pointing the way they did in the last run.

    Polis's power iteration starts from the last run's components, so an axis never flips between
    runs; the first time it starts from a random vector of positive numbers, which makes the sum of
    an axis's entries positive. Eigenvectors come with an arbitrary sign, fixed here the same way.
    """
    comps = comps.copy()
    for i in range(len(comps)):
        if previous:
            ref = np.array([previous[s][i] if s in previous else 0.0 for s in statements])
        else:
            ref = np.ones(len(statements))
        if comps[i] @ ref < 0:
            comps[i] = -comps[i]
    return comps
