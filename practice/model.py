"""The practice check's model: what the young people of each context said about uses of data,
as a calibrated scikit-learn classifier, and how it answers for a described practice.

Plain functions and a small estimator (scikit-learn's developer guide); nothing here touches
the database, so the benchmark (bench/practice_check) and the `baraza check` command use it as
it is.

- **Features.** One-hot codes of the kind of data, who uses it, the purpose, the age band, the
  safeguards a question named and how long the data is kept; the context as a feature; and the
  context crossed with the kind of data, the user and the purpose. The crossed columns are
  scaled down (`INTERACTION_SCALE`), so the L2 penalty pulls a context's own deviations towards
  what every context said much harder than it pulls the shared effects: a context with few
  answers gets, in effect, the pooled answer (partial pooling), one with many its own.
- **Classifier.** Multinomial logistic regression over "not fine", "it depends", "fine",
  calibrated by temperature scaling in cross-validation (`CalibratedClassifierCV(method=
  "temperature")`), or uncalibrated when a class is too rare to fold (said in the card).
- **Interval.** The regression refitted on young people drawn with replacement (a cluster
  bootstrap: a person's answers stay together); the interval is the 5th to 95th percentile.
- **Export.** Every fitted part is a few arrays of numbers: the model file is JSON, never a
  pickle, so loading a file runs no code (and it is signed on top: practice/files.py).
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ANSWERS: tuple[str, ...] = ("not_fine", "depends", "fine")
SAFEGUARDS: tuple[str, ...] = ("consent", "anonymised", "agreement", "deleted_after_use")
RETENTIONS: tuple[str, ...] = ("1m", "1y", "5y", "unlimited")
# The crossed context columns count for this much of a shared column under the same penalty:
# their coefficients must be 1/scale larger to say the same, so they stay near zero unless a
# context's own answers insist (a prior four times tighter than the shared effects').
INTERACTION_SCALE = 0.5
DEFAULT_C = 1.0
# Under this many young people a context's answer is said to lean on the other contexts.
POOLING_MIN = 20
BOOTSTRAP = 30
FOLDS = 3


@dataclass(frozen=True)
class Observation:
    """One answer, as the model reads it. `person` keeps a young person's answers together."""

    person: str
    context: str
    age_band: str | None
    data_kind: str
    data_user: str
    purpose: str
    answer: str
    safeguards: frozenset[str] = frozenset()
    retention: str | None = None
    # How much the row counts in the fit (a direct answer 1; an endorsement of a linked
    # recommendation less, shared among the cells it covers), and what kind of evidence it is:
    # "answer" (a card or a mapped question) or "endorsement". Quality is measured on answers.
    weight: float = 1.0
    evidence: str = "answer"


@dataclass(frozen=True)
class Practice:
    """A planned data practice, in vocabulary codes."""

    data_kinds: tuple[str, ...]
    users: tuple[str, ...]
    purposes: tuple[str, ...]
    age_bands: tuple[str, ...] = ()
    safeguards: frozenset[str] = frozenset()
    retention: str | None = None

    def parts(self) -> list[tuple[str, str, str]]:
        return [(d, u, p) for d in self.data_kinds for u in self.users for p in self.purposes]


class FeatureSpace:
    """Column names and how an observation or a practice becomes a row of numbers."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.index = {name: i for i, name in enumerate(self.columns)}

    @classmethod
    def from_observations(cls, observations: Iterable[Observation], contexts: Iterable[str] = ()) -> FeatureSpace:
        kinds, users, purposes, bands, ctxs = set(), set(), set(), set(), set(contexts)
        for o in observations:
            kinds.add(o.data_kind)
            users.add(o.data_user)
            purposes.add(o.purpose)
            ctxs.add(o.context)
            if o.age_band:
                bands.add(o.age_band)
        columns = [f"kind={k}" for k in sorted(kinds)] + [f"user={u}" for u in sorted(users)] + [f"purpose={p}" for p in sorted(purposes)]
        columns += [f"age={b}" for b in sorted(bands)]
        columns += [f"safeguard={s}" for s in SAFEGUARDS] + [f"retention={r}" for r in RETENTIONS]
        for c in sorted(ctxs):
            columns.append(f"ctx={c}")
            columns += [f"ctx={c}|kind={k}" for k in sorted(kinds)]
            columns += [f"ctx={c}|user={u}" for u in sorted(users)]
            columns += [f"ctx={c}|purpose={p}" for p in sorted(purposes)]
        return cls(columns)

    def row(
        self, context: str | None, age_band: str | None, data_kind: str, data_user: str, purpose: str,
        safeguards: Iterable[str] = (), retention: str | None = None,
    ) -> np.ndarray:
        x = np.zeros(len(self.columns))

        def put(name: str, value: float = 1.0) -> None:
            i = self.index.get(name)
            if i is not None:
                x[i] = value

        put(f"kind={data_kind}")
        put(f"user={data_user}")
        put(f"purpose={purpose}")
        if age_band:
            put(f"age={age_band}")
        for s in safeguards:
            put(f"safeguard={s}")
        if retention:
            put(f"retention={retention}")
        if context is not None:
            put(f"ctx={context}", INTERACTION_SCALE)
            put(f"ctx={context}|kind={data_kind}", INTERACTION_SCALE)
            put(f"ctx={context}|user={data_user}", INTERACTION_SCALE)
            put(f"ctx={context}|purpose={purpose}", INTERACTION_SCALE)
        return x

    def matrix(self, observations: Sequence[Observation]) -> np.ndarray:
        if not observations:
            return np.zeros((0, len(self.columns)))
        return np.vstack(
            [self.row(o.context, o.age_band, o.data_kind, o.data_user, o.purpose, o.safeguards, o.retention) for o in observations]
        )

    def knows(self, prefix: str, code: str) -> bool:
        return f"{prefix}={code}" in self.index


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


@dataclass
class Fold:
    """One calibrated member: probabilities are softmax(beta * (X @ coef.T + intercept))."""

    coef: np.ndarray
    intercept: np.ndarray
    beta: float = 1.0

    def proba(self, x: np.ndarray) -> np.ndarray:
        return _softmax(self.beta * (x @ self.coef.T + self.intercept))


def _full(classes: Sequence[int], coef: np.ndarray, intercept: np.ndarray, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients for all three answers even when a fit saw only some: an unseen answer gets
    a very low intercept (probability near zero), never an error."""
    full_coef = np.zeros((len(ANSWERS), n_features))
    full_intercept = np.full(len(ANSWERS), -30.0)
    if len(classes) == 2 and coef.shape[0] == 1:
        # scikit-learn's binary case: one row of the second class against the first.
        full_coef[classes[1]], full_intercept[classes[1]] = coef[0], intercept[0]
        full_intercept[classes[0]] = 0.0
    else:
        for row, cls in enumerate(classes):
            full_coef[cls], full_intercept[cls] = coef[row], intercept[row]
    return full_coef, full_intercept


def _fit_regression(x: np.ndarray, y: np.ndarray, c: float, w: np.ndarray | None = None) -> Fold:
    from sklearn.linear_model import LogisticRegression

    classes = sorted(set(int(v) for v in y))
    if len(classes) == 1:
        intercept = np.full(len(ANSWERS), -30.0)
        intercept[classes[0]] = 0.0
        return Fold(np.zeros((len(ANSWERS), x.shape[1])), intercept)
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit(x, y, sample_weight=w)
    coef, intercept = _full([int(v) for v in lr.classes_], lr.coef_, lr.intercept_, x.shape[1])
    return Fold(coef, intercept)


def _fit_calibrated(x: np.ndarray, y: np.ndarray, c: float, seed: int, w: np.ndarray | None = None) -> tuple[list[Fold], bool]:
    """Temperature-scaled folds, or the plain regression when an answer is too rare to split."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    counts = Counter(int(v) for v in y)
    if len(counts) < 2 or min(counts.values()) < FOLDS:
        return [_fit_regression(x, y, c, w)], False
    calibrated = CalibratedClassifierCV(
        LogisticRegression(C=c, max_iter=2000), method="temperature", cv=StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    )
    calibrated.fit(x, y, sample_weight=w)
    folds = []
    for member in calibrated.calibrated_classifiers_:
        lr = member.estimator
        coef, intercept = _full([int(v) for v in lr.classes_], lr.coef_, lr.intercept_, x.shape[1])
        folds.append(Fold(coef, intercept, float(member.calibrators[0].beta_)))
    return folds, True


@dataclass
class Quality:
    """Measured on held-out young people (grouped cross-validation): none of a person's
    answers is predicted by a model that saw any of them."""

    log_loss: float
    brier: float
    calibration_error: float
    accuracy: float
    majority_accuracy: float
    n_answers: int

    def as_dict(self) -> dict[str, float]:
        return {
            "log_loss": round(self.log_loss, 4), "brier": round(self.brier, 4), "calibration_error": round(self.calibration_error, 4),
            "accuracy": round(self.accuracy, 4), "majority_accuracy": round(self.majority_accuracy, 4), "n_answers": self.n_answers,
        }


def scores(proba: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Log loss, multiclass Brier score (mean squared error over the three answers, 0 to 2),
    expected calibration error of the top answer (10 bins) and accuracy."""
    eps = 1e-12
    n = len(y)
    onehot = np.zeros_like(proba)
    onehot[np.arange(n), y] = 1.0
    log_loss = float(-np.mean(np.log(np.clip(proba[np.arange(n), y], eps, 1.0))))
    brier = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    top = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    correct = (top == y).astype(float)
    ece = 0.0
    for low in np.linspace(0, 1, 11)[:-1]:
        in_bin = (confidence > low) & (confidence <= low + 0.1)
        if in_bin.any():
            ece += float(in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean()))
    return log_loss, brier, ece, float(correct.mean())


def majority_baseline(train: Sequence[Observation], test: Sequence[Observation]) -> np.ndarray:
    """"The majority answer for that card in that context" (else across contexts, else overall)."""
    by_card: dict[tuple[str, str, str, str], Counter[str]] = defaultdict(Counter)
    by_pooled: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    overall: Counter[str] = Counter()
    for o in train:
        by_card[(o.context, o.data_kind, o.data_user, o.purpose)][o.answer] += 1
        by_pooled[(o.data_kind, o.data_user, o.purpose)][o.answer] += 1
        overall[o.answer] += 1
    out = []
    for o in test:
        counter = by_card.get((o.context, o.data_kind, o.data_user, o.purpose)) or by_pooled.get((o.data_kind, o.data_user, o.purpose)) or overall
        out.append(ANSWERS.index(counter.most_common(1)[0][0]) if counter else 1)
    return np.array(out)


@dataclass
class PracticeModel:
    """A fitted model: feature columns, calibrated folds, bootstrap refits and what it rests on."""

    columns: list[str]
    folds: list[Fold]
    bootstrap: list[Fold]
    calibrated: bool
    contexts: dict[str, dict[str, Any]]  # context key -> {"people": n, "answers": n, "pooled": bool}
    people: int
    answers: int
    quality: Quality | None = None
    train_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def space(self) -> FeatureSpace:
        cached = self.__dict__.get("_space")
        if cached is None:
            cached = self.__dict__["_space"] = FeatureSpace(self.columns)
        return cached  # type: ignore[no-any-return]

    def proba(self, x: np.ndarray) -> np.ndarray:
        return sum(f.proba(x) for f in self.folds) / len(self.folds)  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        def fold(f: Fold) -> dict[str, Any]:
            return {"coef": np.round(f.coef, 6).tolist(), "intercept": np.round(f.intercept, 6).tolist(), "beta": round(f.beta, 6)}

        return {
            "columns": self.columns, "answers": list(ANSWERS), "folds": [fold(f) for f in self.folds],
            "bootstrap": [fold(f) for f in self.bootstrap], "calibrated": self.calibrated, "contexts": self.contexts,
            "people": self.people, "answers_count": self.answers, "quality": self.quality.as_dict() if self.quality else None,
            "train_seconds": round(self.train_seconds, 3), "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PracticeModel:
        def fold(d: Mapping[str, Any]) -> Fold:
            return Fold(np.array(d["coef"], dtype=float), np.array(d["intercept"], dtype=float), float(d["beta"]))

        if list(data["answers"]) != list(ANSWERS):
            raise ValueError("the model file's answers are not this version's")
        q = data.get("quality")
        quality = Quality(q["log_loss"], q["brier"], q["calibration_error"], q["accuracy"], q["majority_accuracy"], q["n_answers"]) if q else None
        return cls(
            columns=list(data["columns"]), folds=[fold(f) for f in data["folds"]], bootstrap=[fold(f) for f in data["bootstrap"]],
            calibrated=bool(data["calibrated"]), contexts=dict(data["contexts"]), people=int(data["people"]),
            answers=int(data["answers_count"]), quality=quality, train_seconds=float(data.get("train_seconds", 0.0)),
            extra=dict(data.get("extra") or {}),
        )


def _targets(observations: Sequence[Observation]) -> np.ndarray:
    return np.array([ANSWERS.index(o.answer) for o in observations], dtype=int)


def _weights(observations: Sequence[Observation]) -> np.ndarray | None:
    '''Sample weights, or None when every row counts fully (the fit then runs as before).'''
    w = np.array([o.weight for o in observations], dtype=float)
    return None if bool(np.all(w == 1.0)) else w


def fit(
    observations: Sequence[Observation], *, contexts: Iterable[str] = (), c: float = DEFAULT_C, bootstrap: int = BOOTSTRAP,
    seed: int = 0, measure: bool = True, pooling: bool = True,
) -> PracticeModel:
    """Fit the model on `observations`. `contexts` adds contexts without answers (they get the
    pooled answer); `pooling=False` leaves the context out entirely (for the benchmark's
    comparison); `measure` runs the held-out quality measurement (3 grouped folds)."""
    if not observations:
        raise ValueError("no answers to learn from")
    import sklearn.calibration
    import sklearn.linear_model  # noqa: F401 - loaded before the limit, so the limit reaches their BLAS
    from threadpoolctl import threadpool_limits

    # Many small fits: BLAS threads only fight each other over them (ten times slower on 2 cores).
    with threadpool_limits(1):
        return _fit(observations, contexts=contexts, c=c, bootstrap=bootstrap, seed=seed, measure=measure, pooling=pooling)


def _fit(
    observations: Sequence[Observation], *, contexts: Iterable[str], c: float, bootstrap: int, seed: int, measure: bool, pooling: bool
) -> PracticeModel:
    started = time.perf_counter()
    observations = [o for o in observations if o.answer in ANSWERS]
    if not pooling:
        observations = [
            Observation(o.person, "", o.age_band, o.data_kind, o.data_user, o.purpose, o.answer, o.safeguards, o.retention, o.weight, o.evidence)
            for o in observations
        ]
    space = FeatureSpace.from_observations(observations, () if not pooling else contexts)
    x, y, w = space.matrix(observations), _targets(observations), _weights(observations)
    folds, calibrated = _fit_calibrated(x, y, c, seed, w)
    rng = np.random.default_rng(seed)
    by_person: dict[str, list[int]] = defaultdict(list)
    for i, o in enumerate(observations):
        by_person[o.person].append(i)
    people = list(by_person)
    boot: list[Fold] = []
    for _ in range(bootstrap):
        drawn = rng.integers(0, len(people), len(people))
        rows = [i for p in drawn for i in by_person[people[p]]]
        boot.append(_fit_regression(x[rows], y[rows], c, None if w is None else w[rows]))
    # The refits share the calibrated folds' temperature, so the interval surrounds the answer.
    mean_beta = float(np.mean([f.beta for f in folds]))
    for member in boot:
        member.beta = mean_beta
    ctx_people: dict[str, set[str]] = defaultdict(set)
    ctx_answers: Counter[str] = Counter()
    for o in observations:
        ctx_people[o.context].add(o.person)
        ctx_answers[o.context] += int(o.evidence == "answer")
    context_info = {
        ctx: {"people": len(ctx_people.get(ctx, ())), "answers": ctx_answers.get(ctx, 0), "pooled": len(ctx_people.get(ctx, ())) < POOLING_MIN}
        for ctx in sorted(set(contexts) | set(ctx_people))
    }
    model = PracticeModel(
        columns=space.columns, folds=folds, bootstrap=boot, calibrated=calibrated, contexts=context_info,
        people=len(people), answers=sum(o.evidence == "answer" for o in observations),
    )
    # Who answered where, about what: direct answers only, per group (context x age band) and
    # per use of data in a group, so an answer can say when nobody in the group it is asked
    # about was asked, or nobody answered about that very use (evidence_for).
    group_people: dict[str, set[str]] = defaultdict(set)
    cell_people: dict[str, set[str]] = defaultdict(set)
    for o in observations:
        if o.evidence == "answer":
            group_people[f"{o.context}|{o.age_band or ''}"].add(o.person)
            cell_people[f"{o.context}|{o.age_band or ''}|{o.data_kind}|{o.data_user}|{o.purpose}"].add(o.person)
    model.extra["groups"] = {key: len(v) for key, v in sorted(group_people.items())}
    model.extra["cells"] = {key: len(v) for key, v in sorted(cell_people.items())}
    endorsements = [o for o in observations if o.evidence == "endorsement"]
    if endorsements:
        model.extra["endorsement_rows"] = len(endorsements)
        model.extra["endorsement_weight"] = round(sum(o.weight for o in endorsements), 3)
    if measure:
        model.quality = held_out_quality(observations, c=c, seed=seed)
    model.train_seconds = time.perf_counter() - started
    return model


def held_out_quality(observations: Sequence[Observation], *, c: float = DEFAULT_C, seed: int = 0, folds: int = FOLDS) -> Quality | None:
    """Quality on young people the fit never saw: grouped k-fold over people. The folds learn
    from every kind of evidence but are scored on direct answers only (an endorsement row is a
    reading of a recommendation, not what a young person said about that card)."""
    from sklearn.model_selection import GroupKFold

    people = sorted({o.person for o in observations})
    if len(people) < folds:
        return None
    groups = np.array([people.index(o.person) for o in observations])
    y = _targets(observations)
    scored = np.array([o.evidence == "answer" for o in observations])
    probas = np.zeros((len(observations), len(ANSWERS)))
    majority = np.zeros(len(observations), dtype=int)
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(np.zeros(len(y)), y, groups):
        train = [observations[i] for i in train_idx]
        test = [observations[i] for i in test_idx]
        inner = _fit(train, contexts=(), c=c, bootstrap=0, seed=seed, measure=False, pooling=True)
        probas[test_idx] = inner.proba(inner.space.matrix(test))
        majority[test_idx] = majority_baseline([o for o in train if o.evidence == "answer"] or train, test)
    if not scored.any():
        return None
    log_loss, brier, ece, accuracy = scores(probas[scored], y[scored])
    return Quality(log_loss, brier, ece, accuracy, float((majority[scored] == y[scored]).mean()), int(scored.sum()))


# Answering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weight:
    """A part of the practice and how much it pulls towards "not fine" (positive: against)."""

    part: str  # "kind", "user", "purpose", "retention", "age"
    code: str
    against: float


@dataclass(frozen=True)
class Change:
    """One change to the practice and what it does to the chance that young people say fine."""

    part: str  # "safeguard", "retention", "user"
    code: str
    fine: float
    gain: float


@dataclass
class Answer:
    """What the model says about a practice in one context (or pooled)."""

    fine: float
    depends: float
    not_fine: float
    interval: tuple[float, float]
    pooled: bool  # the context's own answers are absent, too few, or lean on other contexts
    no_context_data: bool
    worst_part: tuple[str, str, str]
    against: list[Weight]
    changes: list[Change]
    unknown: list[str]
    # Safeguards of the practice the answers do not show to make it more acceptable.
    unhelpful_safeguards: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.not_fine >= 0.5:
            return "not_accept"
        if self.fine >= 0.5:
            return "accept"
        if self.fine + self.depends >= 0.5 and self.not_fine < 0.35:
            return "conditional"
        return "divided"


def _part_proba(model: PracticeModel, context: str | None, practice: Practice, part: tuple[str, str, str], safeguards: frozenset[str], retention: str | None, folds: Sequence[Fold] | None = None) -> np.ndarray:
    """Probabilities of each answer for one (kind, user, purpose), averaged over the age bands
    the practice is about (all bands alike when it names none)."""
    bands: list[str | None] = [b for b in practice.age_bands if model.space.knows("age", b)] or [None]
    x = np.vstack([model.space.row(context, band, *part, safeguards, retention) for band in bands])
    members = list(folds) if folds is not None else model.folds
    p: np.ndarray = np.mean([f.proba(x) for f in members], axis=0)
    return p.mean(axis=0)  # type: ignore[no-any-return]


def _practice_fine(model: PracticeModel, context: str | None, practice: Practice, safeguards: frozenset[str], retention: str | None, users: tuple[str, ...] | None = None) -> tuple[float, tuple[str, str, str], np.ndarray]:
    """A practice is as acceptable as its least acceptable part (weakest link)."""
    worst: tuple[float, tuple[str, str, str], np.ndarray] | None = None
    prac = practice if users is None else Practice(practice.data_kinds, users, practice.purposes, practice.age_bands)
    for part in prac.parts():
        p = _part_proba(model, context, practice, part, safeguards, retention)
        if worst is None or p[2] < worst[0]:
            worst = (float(p[2]), part, p)
    assert worst is not None
    return worst


def unknown_codes(model: PracticeModel, practice: Practice) -> list[str]:
    """Codes of the practice the model never saw an answer about (an age band among them: the
    answer then stands for the bands it knows, or all ages, and must say so)."""
    out = []
    for prefix, codes in (("kind", practice.data_kinds), ("user", practice.users), ("purpose", practice.purposes), ("age", practice.age_bands)):
        out += [f"{prefix}={c}" for c in codes if not model.space.knows(prefix, c)]
    return out


def assess(model: PracticeModel, practice: Practice, context: str | None, *, alternatives: Mapping[str, Sequence[str]] | None = None) -> Answer:
    """The model's answer for `practice` in `context` (None or a context without answers: the
    pooled answer, across contexts)."""
    info = model.contexts.get(context or "")
    no_data = context is None or info is None or info.get("people", 0) == 0
    ctx = None if no_data else context
    fine, part, p = _practice_fine(model, ctx, practice, practice.safeguards, practice.retention)
    # Interval: the same weakest part under each bootstrap refit.
    boot = [float(_part_proba(model, ctx, practice, part, practice.safeguards, practice.retention, [f])[2]) for f in model.bootstrap]
    # Few refits at extreme probabilities can leave the estimate just outside the percentiles.
    interval = (min(fine, float(np.percentile(boot, 5))), max(fine, float(np.percentile(boot, 95)))) if boot else (fine, fine)
    # What weighs against: each present code's pull from "fine" towards "not fine", averaged
    # over the folds (log-odds, on the worst part).
    against: list[Weight] = []
    diff = sum(f.beta * (f.coef[0] - f.coef[2]) for f in model.folds) / len(model.folds)
    kind, user, purpose = part
    present = [("kind", kind), ("user", user), ("purpose", purpose)]
    if practice.retention:
        present.append(("retention", practice.retention))
    present += [("safeguard", s) for s in sorted(practice.safeguards)]
    for name, code in present:
        total = 0.0
        for column in (f"{name}={code}",) + ((f"ctx={ctx}|{name}={code}",) if ctx and name in ("kind", "user", "purpose") else ()):
            i = model.space.index.get(column)
            if i is not None:
                total += float(diff[i]) * (INTERACTION_SCALE if column.startswith("ctx=") else 1.0)
        against.append(Weight(name, code, total))
    against.sort(key=lambda w: -w.against)
    # A safeguard is never "against" a practice: what it does is protect. When its coefficient
    # pulls towards "not fine" all the same, that comes from the few questions that named it
    # (it shares their cards' own dislike: confounding), not from young people saying the
    # safeguard makes things worse; the answer says it shows no help instead.
    unhelpful = [w.code for w in against if w.part == "safeguard" and w.against >= 0]
    against = [w for w in against if w.part != "safeguard"]
    # The single change that helps most: add a safeguard, keep the data for less time, or
    # give it to another user (from the vocabulary the model knows).
    changes: list[Change] = []
    for s in SAFEGUARDS:
        if s not in practice.safeguards:
            f, _p, _ = _practice_fine(model, ctx, practice, practice.safeguards | {s}, practice.retention)
            changes.append(Change("safeguard", s, f, f - fine))
    current = RETENTIONS.index(practice.retention) if practice.retention in RETENTIONS else len(RETENTIONS)
    for r in RETENTIONS[:current]:
        f, _p, _ = _practice_fine(model, ctx, practice, practice.safeguards, r)
        changes.append(Change("retention", r, f, f - fine))
    users = (alternatives or {}).get("users") or [c.split("=", 1)[1] for c in model.columns if c.startswith("user=")]
    for u in users:
        if u in practice.users or not model.space.knows("user", u):
            continue
        replaced = tuple(x for x in practice.users if x != user) + (u,)
        f, _p, _ = _practice_fine(model, ctx, practice, practice.safeguards, practice.retention, users=replaced)
        changes.append(Change("user", u, f, f - fine))
    changes = sorted((c for c in changes if c.gain > 0.01), key=lambda c: -c.gain)
    pooled = no_data or bool(info and info.get("pooled"))
    return Answer(
        fine=float(p[2]), depends=float(p[1]), not_fine=float(p[0]), interval=interval, pooled=pooled, no_context_data=no_data,
        worst_part=part, against=[w for w in against if w.against > 0][:3], changes=changes[:3], unknown=unknown_codes(model, practice),
        unhelpful_safeguards=unhelpful,
    )


@dataclass(frozen=True)
class Evidence:
    """How much direct evidence stands behind an answer: the young people of the groups asked
    about (the contexts and age bands), and how many of them answered about that very use of
    data. None: the model file does not say (trained before it recorded this)."""

    group: int | None
    about: int | None


def evidence_for(model: PracticeModel, contexts: Sequence[str] | None, age_bands: Sequence[str], part: tuple[str, str, str]) -> Evidence:
    """Direct answers behind `part` among the young people of `contexts` (None: every
    context) in `age_bands` (none: every band). A person is in one context and one band, so
    the groups' counts add up to people."""
    groups, cells = model.extra.get("groups"), model.extra.get("cells")
    if groups is None or cells is None:
        return Evidence(None, None)
    wanted_contexts = None if contexts is None else set(contexts)
    wanted_bands = set(age_bands) or None

    def inside(context: str, band: str) -> bool:
        return (wanted_contexts is None or context in wanted_contexts) and (wanted_bands is None or band in wanted_bands)

    group = sum(int(n) for key, n in groups.items() if inside(*key.split("|", 1)))
    about = 0
    for key, n in cells.items():
        context, band, *use = key.split("|")
        if tuple(use) == part and inside(context, band):
            about += int(n)
    return Evidence(group, about)


def has_skill(model: PracticeModel) -> bool | None:
    """Does the model do better, on young people it never saw, than guessing the most common
    answer to each card? Only when its accuracy beats the guess by more than two standard
    errors of the accuracy measured (on that many answers): a point or two is noise. None when
    quality was not measured."""
    q = model.quality
    if q is None or not q.n_answers:
        return None
    return beats_guessing(q.accuracy, q.majority_accuracy, q.n_answers)


def beats_guessing(accuracy: float, majority_accuracy: float, n_answers: int) -> bool:
    standard_error = math.sqrt(max(accuracy * (1 - accuracy), 1e-6) / max(n_answers, 1))
    return accuracy - majority_accuracy > 2 * standard_error


def spread_interval(model: PracticeModel, practice: Practice, part: tuple[str, str, str], base: tuple[float, float], k: int) -> tuple[float, float]:
    """The interval when the direct evidence is thin: the bootstrap interval (sampling only)
    widened to every answer the model gives for the same use in each group (context x age band)
    of at least k young people it learned from. A group nobody asked, or a model that does no
    better than guessing, may be like any of them: the range says how far apart they are."""
    low, high = base
    for key, n in (model.extra.get("groups") or {}).items():
        if int(n) < k:
            continue
        context, band = key.split("|", 1)
        x = model.space.row(context or None, band or None, *part, practice.safeguards, practice.retention)[None, :]
        fine = float(model.proba(x)[0][2])
        low, high = min(low, fine), max(high, fine)
    return low, high


def percent(value: float) -> int:
    return int(math.floor(value * 100 + 0.5))
