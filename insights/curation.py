"""Theme versions: the model's, the analysts' steps on them, comparing two, carrying decisions
over to a new run. Plain functions over a version's `themes` and `assignments`; the use cases
in `insights.services` store what they return as a new version.

A theme is {"key", "label", "names", "phrases", "phrases_by_language", "representatives" (text
ids), "model_key"}. `label` is the analyst's name for it; `names` ({language: name}, optional)
the same name in the consultation's other languages, for readers of those languages. An empty
label shows the key phrases (in the reader's language where the theme has texts in it).
Assignments map a text id (a string, as JSON keeps it) to a theme key, OTHER (-1: no theme took
it) or NOISE (-2: an analyst set it aside).
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from baraza.errors import InvalidInput
from baraza.i18n import N_
from insights.models import NOISE, OTHER, InsightRun, InsightText, ThemeVersion

MAX_REPRESENTATIVES = 10
MAX_LABEL = 120


def theme_phrases(theme: dict[str, Any], language: str | None = None) -> list[str]:
    """The theme's key phrases: those of its texts in `language` when it holds some (a young
    person reads their remark's theme in their own words), else those over all languages."""
    return list((theme.get("phrases_by_language") or {}).get(language or "") or theme.get("phrases", []))


def theme_label(theme: dict[str, Any], language: str | None = None) -> str:
    """The analyst's name for the theme in `language` where they gave one, else their name,
    else its key phrases (`theme_phrases`)."""
    return (theme.get("names") or {}).get(language or "") or theme.get("label") or ", ".join(theme_phrases(theme, language)[:4])


def is_named(theme: dict[str, Any], language: str | None = None) -> bool:
    """Whether an analyst named the theme (for `language`, or in their main name): otherwise
    `theme_label` gives its key phrases."""
    return bool((theme.get("names") or {}).get(language or "") or theme.get("label"))


def model_version(run: InsightRun, texts: Sequence[InsightText], model: Any) -> ThemeVersion:
    """Version 1 of a run: the model's themes, its representatives (indices into `texts`)
    turned into text ids, and each text's theme."""
    ids = [t.id for t in texts]
    assignments = {str(ids[i]): (int(a) if int(a) >= 0 else OTHER) for i, a in enumerate(model.assignments)}
    themes = []
    for theme in model.themes:
        key = int(theme.id)
        reps = [ids[int(i)] for i in list(theme.representatives)[:MAX_REPRESENTATIVES] if 0 <= int(i) < len(ids)]
        by_language = {lang: [str(p) for p in found][:8] for lang, found in getattr(theme, "phrases_by_language", {}).items()}
        themes.append({"key": key, "label": "", "phrases": [str(p) for p in theme.label_phrases][:8], "phrases_by_language": by_language,
                       "representatives": reps, "model_key": key})
    return ThemeVersion(run_id=run.id, number=1, themes=themes, assignments=assignments, action="model", draft=True)  # type: ignore[arg-type]


def _refresh_representatives(themes: list[dict[str, Any]], assignments: dict[str, int]) -> None:
    """Keep the representatives still in their theme; fill up from the theme's other texts."""
    members: dict[int, list[int]] = defaultdict(list)
    for text_id, key in assignments.items():
        members[key].append(int(text_id))
    for theme in themes:
        inside = set(members.get(theme["key"], ()))
        reps = [r for r in theme.get("representatives", []) if r in inside]
        for member in sorted(inside):
            if len(reps) >= MAX_REPRESENTATIVES:
                break
            if member not in reps:
                reps.append(member)
        theme["representatives"] = reps


def _next_key(themes: list[dict[str, Any]]) -> int:
    return max((t["key"] for t in themes), default=-1) + 1


@dataclass
class Step:
    """The result of one curation step: the new themes and assignments, what it did."""

    themes: list[dict[str, Any]]
    assignments: dict[str, int]
    action: str
    detail: dict[str, Any] = field(default_factory=dict)


def _start(version: ThemeVersion) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return copy.deepcopy(version.themes), dict(version.assignments)


def _theme(themes: list[dict[str, Any]], key: int) -> dict[str, Any]:
    for theme in themes:
        if theme["key"] == key:
            return theme
    raise InvalidInput(errors={"theme": N_("Choose one of the themes.")})


def _clean_label(label: str) -> str:
    label = " ".join(label.split())
    if not label:
        raise InvalidInput(errors={"label": N_("Write a name for the theme.")})
    if len(label) > MAX_LABEL:
        raise InvalidInput(errors={"label": N_("Keep the name under %(max)s characters.", max=MAX_LABEL)})
    return label


def _known_texts(assignments: dict[str, int], text_ids: Iterable[int]) -> list[str]:
    keys = [str(t) for t in dict.fromkeys(text_ids)]
    if not keys or any(k not in assignments for k in keys):
        raise InvalidInput(errors={"texts": N_("Choose texts of this run.")})
    return keys


def rename(version: ThemeVersion, key: int, label: str, names: Mapping[str, str] | None = None) -> Step:
    """Name theme `key`: `label`, and `names` in other languages (an empty one is dropped)."""
    themes, assignments = _start(version)
    theme = _theme(themes, key)
    theme["label"] = _clean_label(label)
    cleaned = {}
    for lang, name in sorted((names or {}).items()):
        if " ".join(name.split()):
            try:
                cleaned[lang] = _clean_label(name)
            except InvalidInput as error:
                raise InvalidInput(errors={f"name_{lang}": message for message in error.errors.values()}) from None
    if cleaned:
        theme["names"] = cleaned
    else:
        theme.pop("names", None)
    return Step(themes, assignments, "rename", {"theme": key})


def merge(version: ThemeVersion, keys: Sequence[int], label: str = "") -> Step:
    """Merge the themes `keys` into the first; its name, or `label`, names the result."""
    keys = list(dict.fromkeys(keys))
    if len(keys) < 2:
        raise InvalidInput(errors={"themes": N_("Choose at least two themes to merge.")})
    themes, assignments = _start(version)
    into = _theme(themes, keys[0])
    for key in keys[1:]:
        other = _theme(themes, key)
        into["phrases"] = list(dict.fromkeys([*into.get("phrases", []), *other.get("phrases", [])]))[:8]
        mine, theirs = into.get("phrases_by_language") or {}, other.get("phrases_by_language") or {}
        into["phrases_by_language"] = {lang: list(dict.fromkeys([*mine.get(lang, []), *theirs.get(lang, [])]))[:8] for lang in sorted(mine.keys() | theirs.keys())}
        into["representatives"] = [*into.get("representatives", []), *other.get("representatives", [])]
        themes.remove(other)
    if label.strip():
        into["label"] = _clean_label(label)
        into.pop("names", None)  # they translated the name it had
    moved = 0
    for text_id, key in assignments.items():
        if key in keys[1:]:
            assignments[text_id] = keys[0]
            moved += 1
    _refresh_representatives(themes, assignments)
    return Step(themes, assignments, "merge", {"into": keys[0], "themes": keys[1:], "texts": moved})


def split(version: ThemeVersion, key: int, text_ids: Sequence[int], label: str) -> Step:
    """Move the chosen texts of theme `key` out into a new theme named `label`."""
    themes, assignments = _start(version)
    source = _theme(themes, key)
    chosen = _known_texts(assignments, text_ids)
    if any(assignments[t] != key for t in chosen):
        raise InvalidInput(errors={"texts": N_("Choose texts of this theme.")})
    if len(chosen) == sum(1 for v in assignments.values() if v == key):
        raise InvalidInput(errors={"texts": N_("Leave some texts in the theme; to rename it, use rename.")})
    new_key = _next_key(themes)
    themes.append({"key": new_key, "label": _clean_label(label), "phrases": [], "representatives": [], "model_key": source.get("model_key")})
    for t in chosen:
        assignments[t] = new_key
    _refresh_representatives(themes, assignments)
    return Step(themes, assignments, "split", {"theme": key, "new_theme": new_key, "texts": len(chosen)})


def move(version: ThemeVersion, text_ids: Sequence[int], to: int) -> Step:
    """Move texts to theme `to`, to OTHER, or to NOISE (marking them noise)."""
    themes, assignments = _start(version)
    if to not in (OTHER, NOISE):
        _theme(themes, to)
    chosen = _known_texts(assignments, text_ids)
    moved = 0
    for t in chosen:
        if assignments[t] != to:
            assignments[t] = to
            moved += 1
    _refresh_representatives(themes, assignments)
    return Step(themes, assignments, "noise" if to == NOISE else "move", {"to": to, "texts": moved})


def restore(version: ThemeVersion, old: ThemeVersion) -> Step:
    return Step(copy.deepcopy(old.themes), dict(old.assignments), "restore", {"from": old.number})


# Comparing two versions ------------------------------------------------------------------------


@dataclass
class Comparison:
    added: list[dict[str, Any]]  # themes in b only
    removed: list[dict[str, Any]]  # themes in a only
    # (in a, in b, [(language, name in a, name in b)] for the names in other languages that changed)
    renamed: list[tuple[dict[str, Any], dict[str, Any], list[tuple[str, str, str]]]]
    moves: list[tuple[int, int, int]]  # (from key, to key, how many texts)
    moved_total: int


def _name_changes(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The theme's names in the consultation's languages that differ between two versions."""
    before, after = a.get("names") or {}, b.get("names") or {}
    return [(lang, before.get(lang, ""), after.get(lang, "")) for lang in sorted(before.keys() | after.keys())
            if before.get(lang, "") != after.get(lang, "")]


def compare(a: ThemeVersion, b: ThemeVersion) -> Comparison:
    themes_a = {t["key"]: t for t in a.themes}
    themes_b = {t["key"]: t for t in b.themes}
    moves: Counter[tuple[int, int]] = Counter()
    for text_id, key in b.assignments.items():
        before = a.assignments.get(text_id)
        if before is not None and before != key:
            moves[(before, key)] += 1
    return Comparison(
        added=[t for k, t in themes_b.items() if k not in themes_a],
        removed=[t for k, t in themes_a.items() if k not in themes_b],
        renamed=[
            (themes_a[k], themes_b[k], changes) for k in sorted(themes_a.keys() & themes_b.keys())
            if (changes := _name_changes(themes_a[k], themes_b[k])) or theme_label(themes_a[k]) != theme_label(themes_b[k])
        ],
        moves=sorted(((f, t, n) for (f, t), n in moves.items()), key=lambda m: -m[2]),
        moved_total=sum(moves.values()),
    )


# Carrying decisions to a new run ---------------------------------------------------------------


def carry_over(
    session: Session, run: InsightRun, texts: Sequence[InsightText], model: ThemeVersion, previous: ThemeVersion
) -> tuple[ThemeVersion | None, dict[str, int]]:
    """Version 2 of `run`: the analysts' themes of `previous` (the last curated version of the
    run before), every unchanged text (same reference, same hash) where the analysts had it, and
    the new or changed texts placed by the model: in the carried theme most of their model
    theme's unchanged texts sit in, or else in a new theme of the model's.

    Returns the version and what moved (counts only)."""
    old_texts = session.exec(
        select(col(InsightText.id), col(InsightText.source_ref), col(InsightText.text_hash)).where(InsightText.run_id == previous.run_id)
    ).all()
    old_by_ref = {ref: (str(text_id), digest) for text_id, ref, digest in old_texts}
    themes = copy.deepcopy(previous.themes)
    for theme in themes:
        theme["representatives"] = []
    known = {t["key"] for t in themes}
    assignments: dict[str, int] = {}
    moved: Counter[str] = Counter()
    undecided: list[InsightText] = []
    new_refs = set()
    for text in texts:
        new_refs.add(text.source_ref)
        old = old_by_ref.get(text.source_ref)
        if old is not None and old[1] == text.text_hash and old[0] in previous.assignments:
            key = previous.assignments[old[0]]
            assignments[str(text.id)] = key if key in known or key in (OTHER, NOISE) else OTHER
            moved["kept"] += 1
        else:
            undecided.append(text)
            moved["changed" if old is not None else "new"] += 1
    moved["gone"] = sum(1 for ref in old_by_ref if ref not in new_refs)
    # Where the model's themes went: the carried theme holding most of each one's kept texts.
    votes: dict[int, Counter[int]] = defaultdict(Counter)
    for text_id, key in assignments.items():
        model_key = model.assignments.get(text_id, OTHER)
        if model_key != OTHER and key not in (OTHER, NOISE):
            votes[model_key][key] += 1
    model_themes = {t["key"]: t for t in model.themes}
    new_theme_of: dict[int, int] = {}
    for text in undecided:
        model_key = model.assignments.get(str(text.id), OTHER)
        if model_key == OTHER:
            assignments[str(text.id)] = OTHER
            moved["to_other"] += 1
            continue
        tally = votes.get(model_key)
        if tally:
            key, n = tally.most_common(1)[0]
            if n * 2 >= sum(tally.values()):
                assignments[str(text.id)] = key
                moved["to_existing"] += 1
                continue
        if model_key not in new_theme_of:
            new_key = _next_key(themes)
            source = model_themes.get(model_key, {})
            themes.append({"key": new_key, "label": "", "phrases": list(source.get("phrases", [])),
                           "phrases_by_language": dict(source.get("phrases_by_language") or {}), "representatives": [], "model_key": model_key})
            new_theme_of[model_key] = new_key
            moved["new_themes"] += 1
        assignments[str(text.id)] = new_theme_of[model_key]
        moved["to_new"] += 1
    # Representatives: the model's where they landed in the theme, then the others.
    by_model = {t["model_key"]: t for t in themes if t.get("model_key") is not None}
    for model_theme in model.themes:
        found = by_model.get(model_theme["key"])
        if found is not None:
            found["representatives"] = list(model_theme.get("representatives", []))
    _refresh_representatives(themes, assignments)
    detail = {"from_run": previous.run_id, "from_version": previous.number, **dict(moved)}
    version = ThemeVersion(run_id=run.id, number=2, themes=themes, assignments=assignments, action="carry_over", detail=detail, draft=True)  # type: ignore[arg-type]
    return version, dict(moved)


def texts_by_id(session: Session, run: InsightRun, ids: Iterable[int]) -> dict[int, InsightText]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.exec(select(InsightText).where(InsightText.run_id == run.id, col(InsightText.id).in_(wanted))).all()
    return {r.id: r for r in rows if r.id is not None}
